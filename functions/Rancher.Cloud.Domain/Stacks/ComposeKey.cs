using YamlDotNet.RepresentationModel;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>
/// One key a compose service may have: the draft field its errors are named by, how it is read
/// (into the service being read, or ignored or refused with the reason), and how the stored
/// service writes it back (null when another key writes it, or nothing is written).
/// </summary>
internal sealed record ComposeKey(string Name, string Field, Action<ServiceReading, ComposeNode> Read)
{
    public Action<YamlMappingNode, ServiceExport>? Write { get; init; }

    /// <summary>A key accepted and listed as ignored: it cannot change what runs.</summary>
    public static Action<ServiceReading, ComposeNode> Ignored(string why) => (_, value) => value.Ignore(why);
}

/// <summary>A stored service as the writer sees it: its stack, its spec and compose details, its scale.</summary>
internal sealed record ServiceExport(StackDefinition Stack, StackService Service)
{
    public Services.ServiceSpec Spec => Service.Spec;

    public Services.ComposeDetails Compose => Service.Spec.Compose ?? new Services.ComposeDetails();
}
