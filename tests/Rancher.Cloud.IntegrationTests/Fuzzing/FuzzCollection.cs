using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests.Fuzzing;

/// <summary>
/// The fuzzer bounds each request's allocations, counted for the whole test process: it runs
/// alone, after the parallel collections (whose load generators allocate hundreds of MB a
/// second), on a control plane of its own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection : ICollectionFixture<SelfHostedControlPlane>
{
    public const string Name = "fuzz";
}
