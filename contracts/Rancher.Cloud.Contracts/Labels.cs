namespace Rancher.Cloud.Contracts;

/// <summary>Docker labels that tie a container to the platform's records.</summary>
public static class Labels
{
    public const string Prefix = "io.rancher.cloud.";
    public const string Instance = "io.rancher.cloud.instance";
    public const string Service = "io.rancher.cloud.service";
    public const string Host = "io.rancher.cloud.host";
    public const string SpecHash = "io.rancher.cloud.spec-hash";

    /// <summary>On a named volume the agent made for a plan: the platform's, listed while nothing mounts it.</summary>
    public const string Volume = "io.rancher.cloud.volume";

    /// <summary>Rancher 1.6's label naming a container's service as <c>stack/service</c>.</summary>
    public const string StackService = "io.rancher.stack_service.name";
}
