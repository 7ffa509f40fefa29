namespace Rancher.Cloud.ControlPlane;

/// <summary>Settings of the control plane, bound from the <c>RancherCloud</c> configuration section.</summary>
public sealed class ControlPlaneOptions
{
    public const string Section = "RancherCloud";

    /// <summary>The operator's admin API key. Held in memory only as a hash.</summary>
    public string AdminKey { get; set; } = "";

    /// <summary>The URL agents and users reach the control plane at; used in the install one-liner.</summary>
    public string PublicUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary><c>storageQueue</c> (default, local) or <c>serviceBus</c> (production).</summary>
    public string Signals { get; set; } = "storageQueue";

    /// <summary>Service Bus: connection string with a send/manage policy, for the control plane's side.</summary>
    public string ServiceBusConnection { get; set; } = "";
}
