using System.Net.Http.Headers;
using Rancher.Cloud.ControlPlane.Reconciliation;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>Reconcilers racing over one environment (ETag-guarded commits) never duplicate an instance.</summary>
[Collection(SystemCollection.Name)]
public sealed class ConcurrentReconcileTests(SelfHostedControlPlane controlPlane)
{
    [Fact]
    public async Task Racing_reconcilers_place_each_slot_exactly_once()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"race-{Guid.NewGuid():N}"[..20]);
        var registered = await api.RegisterHostAsync(envId, "race");
        var reconciler = controlPlane.App.Services.GetRequiredService<Reconciler>();
        var tenant = "t0default";

        // Each create reconciles inline, concurrently; extra reconcilers race them. Both are started
        // before either is awaited (ToList): a lazy Select would start the racers only afterwards.
        var creates = Enumerable.Range(0, 8).Select(i =>
            api.CreateServiceAsync(envId, new { name = $"svc{i}", image = "busybox", scale = 6 })).ToList();
        var racers = Enumerable.Range(0, 4).Select(_ => Task.Run(() => reconciler.ReconcileAsync(tenant, envId, CancellationToken.None))).ToList();
        var services = await Task.WhenAll(creates);
        await Task.WhenAll(racers);
        await reconciler.ReconcileAsync(tenant, envId, CancellationToken.None);

        foreach (var service in services)
        {
            var instances = (await api.ServiceAsync(envId, service.Id)).Instances;
            Assert.Equal([1, 2, 3, 4, 5, 6], instances.Select(i => i.Slot).Order());
        }
        using var agent = new HttpClient { BaseAddress = new Uri(controlPlane.Url + "/") };
        agent.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", registered.Credential);
        var plan = (await agent.GetFromJsonAsync<HostPlan>(AgentRoutes.Plan, Api.Json))!;
        Assert.Equal(48, plan.Containers.Count);
        Assert.Equal(48, plan.Containers.Select(c => c.InstanceId).Distinct().Count());
    }
}
