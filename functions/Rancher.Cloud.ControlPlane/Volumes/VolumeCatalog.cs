using System.Text.Json;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Volumes;

namespace Rancher.Cloud.ControlPlane.Volumes;

/// <summary>
/// An environment's named volumes: what each host's agent last reported (name, size), joined with
/// what the host's plan mounts (which services use each). Read from the host and plan rows.
/// </summary>
public sealed class VolumeCatalog(Tables tables, TimeProvider clock)
{
    /// <summary>The host row's column with the agent's last list of volumes.</summary>
    public const string Column = "Volumes";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The list as stored: at most what one column holds, the rest left out.</summary>
    public static string ToJson(IReadOnlyList<ObservedVolume> volumes)
    {
        var kept = volumes.Where(v => v is not null).DistinctBy(v => v.Name).OrderBy(v => v.Name, StringComparer.Ordinal).ToList();
        var json = JsonSerializer.Serialize(kept, Json);
        while (json.Length > ChunkedProperty.Chunk && kept.Count > 0)
        {
            kept.RemoveAt(kept.Count - 1);
            json = JsonSerializer.Serialize(kept, Json);
        }
        return json;
    }

    public async Task<List<VolumeView>> ListAsync(string partition, CancellationToken ct)
    {
        var hosts = await tables.State.WithPrefixAsync(partition, StateRows.HostPrefix, ct);
        var plans = (await tables.State.WithPrefixAsync(partition, StateRows.PlanPrefix, ct)).Select(StateRows.ToPlan).ToDictionary(p => p.HostId, StringComparer.Ordinal);
        var now = clock.GetUtcNow();
        var views = new List<VolumeView>();
        foreach (var row in hosts)
        {
            var host = StateRows.ToHost(row);
            if (host.Mode == HostMode.Removed || row.GetString(Column) is not { } json)
            {
                continue;
            }
            var mounts = (plans.GetValueOrDefault(host.Id)?.Containers ?? [])
                .SelectMany(c => c.Mounts.Where(m => m.Type == "volume" && m.Source.Length > 0).Select(m => (m.Source, Service: QualifiedName(c))))
                .ToLookup(m => m.Source, m => m.Service, StringComparer.Ordinal);
            foreach (var volume in JsonSerializer.Deserialize<List<ObservedVolume>>(json, Json) ?? [])
            {
                var services = mounts[volume.Name].Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                views.Add(new VolumeView(VolumeIds.Of(host.Id, volume.Name), volume.Name, host.Id, host.Facts.Hostname,
                    HostLiveness.StateOf(host, now).ToString().ToLowerInvariant(), volume.SizeBytes, services, services.Count > 0));
            }
        }
        return views.OrderBy(v => v.Name, StringComparer.Ordinal).ThenBy(v => v.HostId, StringComparer.Ordinal).ToList();
    }

    public async Task<VolumeView?> FindAsync(string partition, string volumeId, CancellationToken ct) =>
        (await ListAsync(partition, ct)).FirstOrDefault(v => v.Id == volumeId);

    private static string QualifiedName(PlannedContainer container) =>
        container.Labels.TryGetValue(Labels.StackService, out var name) ? name : container.ServiceName;
}

/// <summary>A named volume as the API shows it: where it lives, how large it was last measured, and who mounts it.</summary>
public sealed record VolumeView(
    string Id, string Name, string HostId, string Hostname, string HostState, long SizeBytes, IReadOnlyList<string> Services, bool InUse)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public VolumeRef Ref => new(Id, Name, HostId);
}
