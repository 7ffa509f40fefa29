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

    /// <summary>
    /// Where the agent packages (<c>rancher-cloud-agent-linux-x64.tar.gz</c>) are deployed with the
    /// control plane; relative paths are under the app's folder.
    /// </summary>
    public string AgentPackageDir { get; set; } = "agent-packages";

    /// <summary>
    /// Storage queues: the queue endpoint as agents reach it, when it differs from the one the
    /// control plane uses (e.g. <c>http://10.99.1.1:10001/devstoreaccount1</c>); empty to use the same.
    /// </summary>
    public string AgentQueueEndpoint { get; set; } = "";

    /// <summary>
    /// The blob endpoint as agents reach it (backups), when it differs from the one the control
    /// plane uses (e.g. <c>http://10.99.1.1:10000/devstoreaccount1</c>); empty to use the same.
    /// </summary>
    public string AgentBlobEndpoint { get; set; } = "";

    /// <summary>Service Bus: connection string with a send/manage policy, for the control plane's side.</summary>
    public string ServiceBusConnection { get; set; } = "";

    /// <summary>
    /// Service Bus: connection string of a listen-only policy of the same namespace. Agents' tokens
    /// are signed with its key, so a token can never send or manage, whatever else it names.
    /// </summary>
    public string ServiceBusAgentListenConnection { get; set; } = "";

    /// <summary>
    /// The image balancer instances run unless their environment says another: any image with
    /// HAProxy 2.6 or later on its PATH (the agent gives the command and configuration).
    /// </summary>
    public string BalancerImage { get; set; } = Domain.Balancing.BalancerService.DefaultImage;

    /// <summary>
    /// 32 bytes, base64: the key that wraps each tenant's data key, which encrypts the tenant's
    /// secrets (certificate keys). A Key Vault reference in Azure; never logged. Without it,
    /// certificates cannot be uploaded.
    /// </summary>
    public string DataKeyWrappingKey { get; set; } = "";

    /// <summary>The ACME directory automatic certificates are ordered from (Let's Encrypt's by default).</summary>
    public string AcmeDirectory { get; set; } = "https://acme-v02.api.letsencrypt.org/directory";

    /// <summary>A PEM file of the CAs trusted for the ACME directory's own TLS (a private or test directory); empty for the system's.</summary>
    public string AcmeCaFile { get; set; } = "";

    /// <summary>The e-mail the ACME directory writes to about expiring certificates; empty for none.</summary>
    public string AcmeContact { get; set; } = "";

    /// <summary>
    /// Where each ACME order gets its folder (the account key, the client's hook, which is run):
    /// empty for the system's temp folder; another where that one is mounted noexec.
    /// </summary>
    public string AcmeWorkDir { get; set; } = "";

    /// <summary>The ACME client program (dehydrated), deployed with the control plane.</summary>
    public string AcmeClient { get; set; } = "dehydrated";
}
