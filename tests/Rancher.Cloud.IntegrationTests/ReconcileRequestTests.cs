using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Reconciliation;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// A queued reconcile request that a later pass already answered is dropped without reading the
/// environment (so a sweep backlog drains instead of piling up), and a newer one is acted on.
/// The dropping is checked on <see cref="SettledEnvironments"/> alone: in the shared control
/// plane its sweep may reconcile the environment at any moment, which would hide a skip.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ReconcileRequestTests(SelfHostedControlPlane controlPlane)
{
    private const string Tenant = "t0default";

    [Fact]
    public async Task A_request_newer_than_the_last_settled_pass_is_acted_on()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"req-{Guid.NewGuid():N}"[..20]);
        await api.RegisterHostAsync(envId, "req");
        var reconciler = controlPlane.App.Services.GetRequiredService<Reconciler>();
        var tables = controlPlane.App.Services.GetRequiredService<Tables>();
        var service = await api.CreateServiceAsync(envId, new { name = "web", image = "busybox", scale = 1 });
        var before = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(30);
        await reconciler.ReconcileAsync(Tenant, envId, CancellationToken.None); // settles now, after 'before'
        Assert.True(controlPlane.App.Services.GetRequiredService<SettledEnvironments>().Answered(Tenant, envId, before));

        // Scale changed behind the API's back, which would have reconciled at once.
        await tables.State.UpdateEntityAsync(
            new TableEntity(Tables.EnvironmentKey(Tenant, envId), StateRows.ServicePrefix + service.Id) { ["Scale"] = 3 },
            Azure.ETag.All, TableUpdateMode.Merge);

        await reconciler.ReconcileAsync(new ReconcileRequest(Tenant, envId, before), CancellationToken.None); // answered already

        await reconciler.ReconcileAsync(new ReconcileRequest(Tenant, envId, DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Equal(3, (await api.ServiceAsync(envId, service.Id)).Instances.Count);
    }

    [Fact]
    public void A_request_without_a_time_or_for_an_unsettled_environment_is_always_acted_on()
    {
        var settled = new SettledEnvironments();
        var now = DateTimeOffset.UtcNow;
        Assert.False(settled.Answered(Tenant, "e1", now - TimeSpan.FromMinutes(1)));
        settled.Settled(Tenant, "e1", now);
        Assert.False(settled.Answered(Tenant, "e1", null));
        Assert.False(settled.Answered(Tenant, "e2", now - TimeSpan.FromMinutes(1)));
        Assert.False(settled.Answered(Tenant, "e1", now - TimeSpan.FromMilliseconds(500))); // within the clock leeway
        Assert.True(settled.Answered(Tenant, "e1", now - TimeSpan.FromSeconds(5)));
        settled.Settled(Tenant, "e1", now - TimeSpan.FromMinutes(5)); // an older pass finishing late moves nothing back
        Assert.True(settled.Answered(Tenant, "e1", now - TimeSpan.FromSeconds(5)));
        settled.Forget(Tenant, "e1");
        Assert.False(settled.Answered(Tenant, "e1", now - TimeSpan.FromSeconds(5)));
    }
}
