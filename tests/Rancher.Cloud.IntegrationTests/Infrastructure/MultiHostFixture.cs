using Rancher.Cloud.Harness;

namespace Rancher.Cloud.IntegrationTests.Infrastructure;

/// <summary>
/// A host network (bridge; hosts are added by each test) and a control plane listening on
/// loopback and on the bridge, so agents inside the namespaces reach it.
/// </summary>
public sealed class MultiHostFixture : IAsyncLifetime
{
    public HostNetwork Network { get; private set; } = null!;

    public SelfHostedControlPlane ControlPlane { get; } = new();

    /// <summary>The ACME directory the control plane orders automatic certificates from.</summary>
    public Pebble Acme { get; private set; } = null!;

    /// <summary>Where the control plane's ACME orders work: empty whenever no order runs (their keys are gone).</summary>
    public DirectoryInfo AcmeWorkDir { get; } = Directory.CreateTempSubdirectory("rancher-cloud-acme-work-");

    public async Task InitializeAsync()
    {
        Network = await HostNetwork.CreateAsync();
        Acme = await Pebble.StartAsync();
        ControlPlane.Settings["RancherCloud:AcmeDirectory"] = Acme.DirectoryUrl;
        ControlPlane.Settings["RancherCloud:AcmeCaFile"] = Acme.CaFile;
        ControlPlane.Settings["RancherCloud:AcmeWorkDir"] = AcmeWorkDir.FullName;
        ControlPlane.HostFacingAddress = Network.Gateway;
        await ControlPlane.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ControlPlane.DisposeAsync();
        await Acme.DisposeAsync();
        AcmeWorkDir.Delete(recursive: true);
        await Network.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class MultiHostCollection : ICollectionFixture<MultiHostFixture>
{
    public const string Name = "multi-host";
}
