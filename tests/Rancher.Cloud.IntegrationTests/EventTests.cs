using System.Net;
using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Events;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Events;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>An environment's event stream: written with the changes it records, read newest first by type and time, paged, kept 30 days, and another tenant's reads as not found.</summary>
[Collection(SystemCollection.Name)]
public sealed class EventTests(SelfHostedControlPlane controlPlane)
{
    [Fact]
    public async Task Service_and_stack_changes_are_events_read_newest_first_by_type_and_time()
    {
        var tenant = await Tenant.CreateAsync(controlPlane, "events");
        using var owner = tenant.Client(controlPlane);
        var envId = await owner.CreateEnvironmentAsync("prod");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var serviceId = (await owner.CreateServiceAsync(envId, new { name = "web", image = "busybox" })).Id;
        await Api.OkAsync<ControlPlane.Environments.ServiceView>(await owner.PatchAsync($"environments/{envId}/services/{serviceId}", new { scale = 3 }));
        await Api.OkAsync<ControlPlane.Environments.ServiceView>(await owner.PatchAsync($"environments/{envId}/services/{serviceId}", new { scale = 3 })); // no change, no event
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostRawAsync($"environments/{envId}/services", """{"name":"BAD"}""")).StatusCode); // refused: no event
        Assert.True((await owner.DeleteAsync($"environments/{envId}/services/{serviceId}")).IsSuccessStatusCode);

        var all = await owner.GetOkAsync<EventPage>($"environments/{envId}/events?type=service.");
        Assert.Equal([EventTypes.ServiceDeleted, EventTypes.ServiceChanged, EventTypes.ServiceCreated], all.Items.Select(e => e.Type));
        // The environment has no hosts: the reconciler's step that could not place it says so, in its own transaction.
        var unplaced = (await owner.GetOkAsync<EventPage>($"environments/{envId}/events?type=placement.failed")).Items;
        Assert.Contains(unplaced, e => e.Subject == serviceId && e.Message.Contains("cannot be placed", StringComparison.Ordinal));
        Assert.All(all.Items, e => Assert.Equal(serviceId, e.Subject));
        Assert.Contains("scaled from 1 to 3", all.Items[1].Message, StringComparison.Ordinal);
        Assert.All(all.Items, e => Assert.InRange(e.At, before, DateTimeOffset.UtcNow.AddSeconds(1)));

        Assert.Equal([EventTypes.ServiceCreated], (await owner.GetOkAsync<EventPage>($"environments/{envId}/events?type=service.created")).Items.Select(e => e.Type));
        Assert.Empty((await owner.GetOkAsync<EventPage>($"environments/{envId}/events?type=stack.")).Items);
        Assert.Empty((await owner.GetOkAsync<EventPage>($"environments/{envId}/events?since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}")).Items);
        Assert.Equal(3, (await owner.GetOkAsync<EventPage>($"environments/{envId}/events?type=service.&since={Uri.EscapeDataString(before.ToString("O"))}")).Items.Count);

        var first = await owner.GetOkAsync<EventPage>($"environments/{envId}/events?type=service.&limit=2");
        var second = await owner.GetOkAsync<EventPage>($"environments/{envId}/events?type=service.&limit=2&cursor={Uri.EscapeDataString(first.Next!)}");
        Assert.Equal(all.Items.Select(e => e.Id), first.Items.Concat(second.Items).Select(e => e.Id));
        Assert.Null(second.Next);

        foreach (var bad in new[] { "type=nonsense", "limit=0", "cursor=abc", "since=yesterday" })
        {
            var field = bad.Split('=')[0];
            Assert.Equal([field], Api.Fields(await Api.ProblemAsync(await owner.GetAsync($"environments/{envId}/events?{bad}"))));
        }
        var stranger = await Tenant.CreateAsync(controlPlane, "stranger");
        using var other = stranger.Client(controlPlane);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"environments/{envId}/events")).StatusCode);
    }

    [Fact]
    public async Task A_stack_import_is_one_event_and_events_older_than_30_days_are_pruned()
    {
        var tenant = await Tenant.CreateAsync(controlPlane, "eventstack");
        using var owner = tenant.Client(controlPlane);
        var envId = await owner.CreateEnvironmentAsync("prod");
        var created = await owner.PostAsync($"environments/{envId}/stacks", new { name = "shop", compose = "services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());

        var imported = (await owner.GetOkAsync<EventPage>($"environments/{envId}/events?type=stack.imported")).Items.Single();
        Assert.Contains("2 service(s)", imported.Message, StringComparison.Ordinal);

        // An event 31 days old, as if written then: the daily prune drops it and keeps the rest.
        var partition = Tables.EnvironmentKey(tenant.Id, envId);
        var state = new TableServiceClient(controlPlane.StorageConnection).GetTableClient("envstate");
        await state.AddEntityAsync(EventRows.ToRow(partition, new(EventTypes.ServiceCreated, "old", "long ago"), DateTimeOffset.UtcNow.AddDays(-31)));
        Assert.Single((await owner.GetOkAsync<EventPage>($"environments/{envId}/events?type=service.created")).Items);

        Assert.Equal(1, await controlPlane.App.Services.GetRequiredService<EventsService>().PruneAsync(tenant.Id, envId, CancellationToken.None));

        Assert.Empty((await owner.GetOkAsync<EventPage>($"environments/{envId}/events?type=service.created")).Items);
        Assert.Single((await owner.GetOkAsync<EventPage>($"environments/{envId}/events?type=stack.imported")).Items);
    }
}
