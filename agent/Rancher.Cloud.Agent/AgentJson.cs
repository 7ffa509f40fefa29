using System.Text.Json;
using System.Text.Json.Serialization;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent;

/// <summary>
/// Source-generated JSON for everything the agent reads and writes: the published agent is
/// trimmed, and reflection over record constructors does not survive trimming.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RegistrationRequest))]
[JsonSerializable(typeof(RegistrationResponse))]
[JsonSerializable(typeof(HostPlan))]
[JsonSerializable(typeof(HostReport))]
[JsonSerializable(typeof(Heartbeat))]
[JsonSerializable(typeof(HeartbeatResponse))]
[JsonSerializable(typeof(HostIdentity))]
[JsonSerializable(typeof(List<VolumeTask>))]
[JsonSerializable(typeof(VolumeTaskProgress))]
[JsonSerializable(typeof(VolumeTaskResult))]
internal sealed partial class AgentJson : JsonSerializerContext;
