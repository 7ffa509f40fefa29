using System.Text;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using Rancher.Cloud.ControlPlane;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.ControlPlane.Volumes;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// A service's data, backed up and brought back on two real hosts: a consistent, encrypted,
/// incremental backup to Azurite's blob storage; the host lost; the data restored on the other
/// host, in either state; retention that deletes what no backup needs; damage that is found.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed class BackupTests(MultiHostFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromSeconds(90);

    private readonly string marker = $"marker-{Guid.NewGuid():N}";

    private static async Task<VolumeTaskView> EndedAsync(Api api, string envId, string taskId)
    {
        VolumeTaskView? last = null;
        try
        {
            return await Wait.ForAsync(async () =>
            {
                last = await api.GetOkAsync<VolumeTaskView>($"environments/{envId}/volumeTasks/{taskId}");
                return last.State is "completed" or "failed" ? last : null;
            }, TaskTimeout, $"task {taskId} to end");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Last seen: {Api.Show(last)}", e);
        }
    }

    private static async Task<VolumeTaskView> CompletedAsync(Api api, string envId, HttpResponseMessage started)
    {
        var task = await Api.OkAsync<VolumeTaskView>(started);
        var ended = await EndedAsync(api, envId, task.Id);
        Assert.True(ended.State == "completed", Api.Show(ended));
        return ended;
    }

    [Fact]
    public async Task A_volume_is_backed_up_incrementally_and_encrypted_and_restored_on_another_host_in_the_state_chosen()
    {
        var tenant = await Tenant.CreateAsync(fixture.ControlPlane, "backup");
        using var api = tenant.Client(fixture.ControlPlane);
        var envId = await api.CreateEnvironmentAsync($"backup-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 2);
        var volumeName = $"data-{Guid.NewGuid():N}"[..16];
        var db = await ServiceOnAsync(api, envId, volumeName, Sleep);
        var first = (await Services.RunningAsync(api, envId, db, 1))[0];
        var home = group.HostOf(first.HostId);
        var other = group.Agents.Single(a => a.HostId != first.HostId).HostId;
        await ExecAsync(home, Services.ContainerOf(first),
            $"yes '{marker} some compressible log text' | head -c 3000000 > /data/a-text && dd if=/dev/urandom of=/data/b-random bs=1024 count=16384 2>/dev/null && sync");

        // The volume is listed with its host, size and the service on it.
        var volume = await ListedAsync(api, envId, volumeName, atLeast: 19_000_000);
        Assert.Equal(first.HostId, volume.HostId);
        Assert.Equal(["db"], volume.Services);

        // First backup: everything is new; the container was paused for the copy only.
        var one = await CompletedAsync(api, envId, await api.PostAsync($"environments/{envId}/volumes/{volume.Id}/backups"));
        output.WriteLine($"first: {Api.Show(one)}");
        Assert.Equal("paused", one.Consistency);
        Assert.Equal(one.Chunks, one.NewChunks);
        Assert.True(one.BytesUploaded < one.Size, "text compresses");
        Assert.Equal("running", (await home.Docker.Containers.InspectContainerAsync(Services.ContainerOf(first))).State?.Status);

        // A second backup after a change uploads only the change.
        await ExecAsync(home, Services.ContainerOf(first), "dd if=/dev/urandom of=/data/c-new bs=1024 count=512 2>/dev/null && sync");
        var two = await CompletedAsync(api, envId, await api.PostAsync($"environments/{envId}/volumes/{volume.Id}/backups"));
        output.WriteLine($"second: {Api.Show(two)}");
        Assert.True(two.BytesUploaded < one.BytesUploaded / 4, $"the second backup uploaded {two.BytesUploaded} bytes, the first {one.BytesUploaded}");
        Assert.Equal(2, (await api.ItemsAsync<VolumeTaskView>($"environments/{envId}/volumes/{volume.Id}/backups")).Count);

        // Nothing stored is readable: the marker is in no blob.
        var partition = Tables.EnvironmentKey(tenant.Id, envId);
        var container = new BlobServiceClient(fixture.ControlPlane.StorageConnection).GetBlobContainerClient(BackupStore.ContainerName(partition));
        var blobs = new List<string>();
        await foreach (var blob in container.GetBlobsAsync())
        {
            blobs.Add(blob.Name);
            var content = (await container.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray();
            Assert.DoesNotContain(marker, Encoding.Latin1.GetString(content), StringComparison.Ordinal);
        }
        Assert.Contains(blobs, b => b.StartsWith("manifests/", StringComparison.Ordinal));

        // What a host is given can add and read, never delete or overwrite.
        var store = new BackupStore(new BlobServiceClient(fixture.ControlPlane.StorageConnection), Options.Create(new ControlPlaneOptions()), TimeProvider.System);
        var hostView = new BlobContainerClient(new Uri(await store.HostSasAsync(partition, CancellationToken.None)));
        var someChunk = blobs.First(b => b.StartsWith("chunks/", StringComparison.Ordinal));
        var refused = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => hostView.GetBlobClient(someChunk).DeleteAsync());
        Assert.Equal(403, refused.Status);
        refused = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => hostView.GetBlobClient(someChunk).UploadAsync(new BinaryData("overwritten"), overwrite: true));
        Assert.Contains(refused.Status, new[] { 403, 409 });

        // The host is lost; its instance moves to the other host, on an empty volume of the same name.
        Assert.True((await api.DeleteAsync($"environments/{envId}/hosts/{first.HostId}")).IsSuccessStatusCode);
        var moved = await Wait.ForAsync(async () => (await api.ServiceAsync(envId, db)).Instances is [{ State: "running" } only] && only.HostId == other ? only : null,
            TimeSpan.FromSeconds(90), "the instance to run on the other host");

        // A restore onto a volume in use is refused; so is a bad name.
        var inUse = await api.PostAsync($"environments/{envId}/backups/{one.Id}/restore", new { hostId = other, volume = volumeName, replace = true });
        Assert.Equal(System.Net.HttpStatusCode.Conflict, inUse.StatusCode);
        var badName = await api.PostAsync($"environments/{envId}/backups/{one.Id}/restore", new { hostId = other, volume = "../etc" });
        Assert.Equal(["volume"], Api.Fields(await Api.ProblemAsync(badName)));

        // Stopped, the service's volume on the new host takes the first state; started again, it reads it.
        Assert.True((await api.PatchAsync($"environments/{envId}/services/{db}", new { scale = 0 })).IsSuccessStatusCode);
        await Wait.UntilAsync(async () => (await group.HostOf(other).Docker.Containers.ListContainersAsync(new() { All = true }))
            .All(c => !c.Mounts.Any(m => m.Name == volumeName)), TimeSpan.FromSeconds(60), "the service's container to go");
        var restored = await CompletedAsync(api, envId, await api.PostAsync($"environments/{envId}/backups/{one.Id}/restore", new { hostId = other, volume = volumeName, replace = true }));
        Assert.Equal(one.Size, restored.Size);
        Assert.True((await api.PatchAsync($"environments/{envId}/services/{db}", new { scale = 1 })).IsSuccessStatusCode);
        var back = (await Services.RunningAsync(api, envId, db, 1))[0];
        Assert.NotEqual(moved.Id, back.Id);
        var (_, listing) = await DockerExec.RunAsync(group.HostOf(other).Docker, Services.ContainerOf(back), "sh", "-c", "head -c 60 /data/a-text; ls /data; wc -c < /data/b-random");
        Assert.Contains(marker, listing, StringComparison.Ordinal);
        Assert.DoesNotContain("c-new", listing, StringComparison.Ordinal);
        Assert.Contains("16777216", listing, StringComparison.Ordinal);

        // The second state, restored into a new volume beside it.
        var copy = $"copy-{Guid.NewGuid():N}"[..14];
        await CompletedAsync(api, envId, await api.PostAsync($"environments/{envId}/backups/{two.Id}/restore", new { hostId = other, volume = copy }));
        var mountpoint = (await group.HostOf(other).Docker.Volumes.InspectAsync(copy)).Mountpoint;
        Assert.Equal(512 * 1024, new FileInfo(Path.Combine(mountpoint, "c-new")).Length);

        // Deleting the first backup deletes the chunks only it used; the second still verifies whole.
        var chunksBefore = blobs.Count(b => b.StartsWith("chunks/", StringComparison.Ordinal));
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await api.DeleteAsync($"environments/{envId}/backups/{one.Id}")).StatusCode);
        var chunksAfter = await CountAsync(container, "chunks/");
        output.WriteLine($"chunks: {chunksBefore} before, {chunksAfter} after deleting the first backup");
        Assert.InRange(chunksAfter, 1, chunksBefore - 1);
        await CompletedAsync(api, envId, await api.PostAsync($"environments/{envId}/backups/{two.Id}/verify"));

        // A damaged chunk is found by verify, and a restore from it fails rather than restoring it.
        var victim = await FirstAsync(container, "chunks/");
        await container.GetBlobClient(victim).UploadAsync(new BinaryData(new byte[100]), overwrite: true);
        var verify = await EndedAsync(api, envId, (await Api.OkAsync<VolumeTaskView>(await api.PostAsync($"environments/{envId}/backups/{two.Id}/verify"))).Id);
        Assert.Equal("failed", verify.State);
        Assert.Contains(victim[(victim.LastIndexOf('/') + 1)..], verify.Error, StringComparison.Ordinal);
        var broken = $"broken-{Guid.NewGuid():N}"[..14];
        var failedRestore = await EndedAsync(api, envId, (await Api.OkAsync<VolumeTaskView>(await api.PostAsync($"environments/{envId}/backups/{two.Id}/restore", new { hostId = other, volume = broken }))).Id);
        Assert.Equal("failed", failedRestore.State);
        Assert.DoesNotContain((await group.HostOf(other).Docker.Volumes.ListAsync(CancellationToken.None)).Volumes, v => v.Name == broken);
    }

    [Fact]
    public async Task A_schedule_backs_up_a_services_volumes_and_its_retention_deletes_the_expired_backups()
    {
        var tenant = await Tenant.CreateAsync(fixture.ControlPlane, "schedule");
        using var api = tenant.Client(fixture.ControlPlane);
        var envId = await api.CreateEnvironmentAsync($"sched-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 1);
        var volumeName = $"data-{Guid.NewGuid():N}"[..16];
        var db = await ServiceOnAsync(api, envId, volumeName, ["sh", "-c", $"echo {marker} > /data/file && sleep 3600"],
            new Dictionary<string, string> { ["rancher.cloud.backup.pre"] = "echo dumped > /data/dump", ["rancher.cloud.backup.post"] = "rm /data/dump" });
        await Services.RunningAsync(api, envId, db, 1);
        var volume = await ListedAsync(api, envId, volumeName);

        // Bad schedules change nothing and say why, field by field.
        var bad = await api.PostAsync($"environments/{envId}/backupSchedules", new { serviceId = db, cron = "every night", timeZone = "Mars/Olympus", keepLast = 0 });
        Assert.Equal(["cron", "keepLast", "timeZone"], Api.Fields(await Api.ProblemAsync(bad)).Order(StringComparer.Ordinal));
        var unknown = await api.PostAsync($"environments/{envId}/backupSchedules", new { volumeId = "vnotavolume", cron = "0 3 * * *", keepLast = 3 });
        Assert.Equal(["volumeId"], Api.Fields(await Api.ProblemAsync(unknown)));
        var never = await api.PostAsync($"environments/{envId}/backupSchedules", new { serviceId = db, cron = "0 2 30 2 *", keepLast = 3 });
        Assert.Equal(["cron"], Api.Fields(await Api.ProblemAsync(never)));
        Assert.Empty(await api.ItemsAsync<BackupScheduleView>($"environments/{envId}/backupSchedules"));

        var schedule = await Api.OkAsync<BackupScheduleView>(await api.PostAsync($"environments/{envId}/backupSchedules",
            new { serviceId = db, cron = "30 2 * * *", timeZone = "Europe/Paris", keepLast = 1 }));
        Assert.Equal(30, schedule.NextRunAt!.Value.ToOffset(TimeSpan.FromHours(1)).Minute);

        // Two runs (made due now, rather than waiting for 02:30 in Paris): each backs up the service's volume, hooks bracketing the copy.
        var schedules = fixture.ControlPlane.App.Services.GetRequiredService<BackupSchedulesService>();
        var state = new Azure.Data.Tables.TableServiceClient(fixture.ControlPlane.StorageConnection).GetTableClient("envstate");
        var partition = Tables.EnvironmentKey(tenant.Id, envId);
        var made = new List<VolumeTaskView>();
        for (var run = 0; run < 2; run++)
        {
            await state.UpsertEntityAsync(new Azure.Data.Tables.TableEntity(partition, BackupSchedulesService.Prefix + schedule.Id) { ["NextRunAt"] = DateTimeOffset.UtcNow.AddMinutes(-1) });
            await schedules.RunDueAsync(tenant.Id, envId, CancellationToken.None);
            var backups = await api.ItemsAsync<VolumeTaskView>($"environments/{envId}/volumes/{volume.Id}/backups");
            var latest = backups[0];
            Assert.Equal(schedule.Id, latest.ScheduleId);
            made.Add(await EndedAsync(api, envId, latest.Id));
            Assert.Equal("completed", made[^1].State);
            Assert.Equal("hooks", made[^1].Consistency);
        }
        var after = await api.GetOkAsync<BackupScheduleView>($"environments/{envId}/backupSchedules/{schedule.Id}");
        Assert.Contains(made[^1].Id, after.LastOutcome, StringComparison.Ordinal);
        Assert.True(after.NextRunAt > DateTimeOffset.UtcNow);

        // Retention keeps the newest one: the next pass deletes the first; the second restores with the hook's dump in it.
        await schedules.RunDueAsync(tenant.Id, envId, CancellationToken.None);
        Assert.Equal([made[1].Id], (await api.ItemsAsync<VolumeTaskView>($"environments/{envId}/backups")).Select(b => b.Id));
        var copy = $"copy-{Guid.NewGuid():N}"[..14];
        await CompletedAsync(api, envId, await api.PostAsync($"environments/{envId}/backups/{made[1].Id}/restore", new { volume = copy }));
        var mountpoint = (await group.Hosts[0].Docker.Volumes.InspectAsync(copy)).Mountpoint;
        Assert.Equal("dumped", File.ReadAllText(Path.Combine(mountpoint, "dump")).Trim());
        Assert.Equal(marker, File.ReadAllText(Path.Combine(mountpoint, "file")).Trim());
        var (_, live) = await DockerExec.RunAsync(group.Hosts[0].Docker, Services.ContainerOf((await Services.RunningAsync(api, envId, db, 1))[0]), "ls", "/data");
        Assert.DoesNotContain("dump", live, StringComparison.Ordinal); // the post hook ran

        // Two restores into one new name asked at the same moment: one is taken, the other refused.
        var twice = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
            api.PostAsync($"environments/{envId}/backups/{made[1].Id}/restore", new { volume = copy + "-2" })));
        Assert.Equal([System.Net.HttpStatusCode.Accepted, System.Net.HttpStatusCode.Conflict], twice.Select(r => r.StatusCode).Order());
        await EndedAsync(api, envId, (await Api.OkAsync<VolumeTaskView>(twice.Single(r => r.IsSuccessStatusCode))).Id);

        // A mounted volume cannot be deleted; the restored copy nothing mounts can, and goes from its host.
        var mounted = await api.DeleteAsync($"environments/{envId}/volumes/{volume.Id}");
        Assert.Equal(System.Net.HttpStatusCode.Conflict, mounted.StatusCode);
        Assert.Contains("db", (await Api.ProblemAsync(mounted)).Detail, StringComparison.Ordinal);
        var copyId = (await ListedAsync(api, envId, copy)).Id;
        await CompletedAsync(api, envId, await api.DeleteAsync($"environments/{envId}/volumes/{copyId}"));
        Assert.DoesNotContain((await group.Hosts[0].Docker.Volumes.ListAsync(CancellationToken.None)).Volumes, v => v.Name == copy);
        await Wait.UntilAsync(async () => (await api.ItemsAsync<VolumeView>($"environments/{envId}/volumes")).All(v => v.Name != copy),
            TimeSpan.FromSeconds(60), "the removed volume to leave the list");
    }

    [Fact]
    public async Task An_agent_killed_mid_backup_leaves_nothing_visible_and_the_next_try_resumes_and_unreachable_storage_fails_with_its_reason()
    {
        var tenant = await Tenant.CreateAsync(fixture.ControlPlane, "resume");
        using var api = tenant.Client(fixture.ControlPlane);
        var envId = await api.CreateEnvironmentAsync($"resume-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 1);
        var host = group.Hosts[0];
        var volumeName = $"data-{Guid.NewGuid():N}"[..16];
        var db = await ServiceOnAsync(api, envId, volumeName, Sleep);
        var instance = (await Services.RunningAsync(api, envId, db, 1))[0];
        await ExecAsync(host, Services.ContainerOf(instance), "dd if=/dev/urandom of=/data/big bs=1048576 count=400 2>/dev/null && sync");
        var volume = await ListedAsync(api, envId, volumeName);

        // Killed while uploading: the backup shows progress, then stays unfinished, with no manifest.
        var backup = await Api.OkAsync<VolumeTaskView>(await api.PostAsync($"environments/{envId}/volumes/{volume.Id}/backups"));
        await Wait.UntilAsync(async () => (await api.GetOkAsync<VolumeTaskView>($"environments/{envId}/backups/{backup.Id}")).Progress is { ChunksDone: > 20 },
            TimeSpan.FromSeconds(90), "the backup to show progress");
        group.Agents[0].Kill();
        var container = new BlobServiceClient(fixture.ControlPlane.StorageConnection)
            .GetBlobContainerClient(BackupStore.ContainerName(Tables.EnvironmentKey(tenant.Id, envId)));
        Assert.False(await container.GetBlobClient($"manifests/{backup.Id}").ExistsAsync());
        Assert.Equal("running", (await api.GetOkAsync<VolumeTaskView>($"environments/{envId}/backups/{backup.Id}")).State);

        // Started again, the agent takes the backup up where the chunks stored say, and its service is not left paused.
        group.Agents[0].Restart();
        var resumed = await EndedAsync(api, envId, backup.Id);
        output.WriteLine($"resumed: {Api.Show(resumed)}");
        Assert.Equal("completed", resumed.State);
        Assert.True(resumed.NewChunks < resumed.Chunks, $"{resumed.NewChunks} of {resumed.Chunks} chunks uploaded after the restart");
        Assert.Equal("running", (await host.Docker.Containers.InspectContainerAsync(Services.ContainerOf(instance))).State?.Status);

        // Storage out of reach from the host: the backup fails, saying so; once back, the next one completes.
        string[] rule = ["OUTPUT", "-p", "tcp", "--dport", $"{fixture.ControlPlane.BlobPort}", "-j", "REJECT"];
        await host.RunAsync(["iptables", "-I", .. rule]);
        try
        {
            var cut = await EndedAsync(api, envId, (await Api.OkAsync<VolumeTaskView>(await api.PostAsync($"environments/{envId}/volumes/{volume.Id}/backups"))).Id);
            Assert.Equal("failed", cut.State);
            Assert.Contains("refused", cut.Error, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await host.RunAsync(["iptables", "-D", .. rule]);
        }
        await CompletedAsync(api, envId, await api.PostAsync($"environments/{envId}/volumes/{volume.Id}/backups"));
    }

    private static readonly string[] Sleep = ["sleep", "3600"];

    /// <summary>A one-instance service "db" with the named volume at /data.</summary>
    private static async Task<string> ServiceOnAsync(Api api, string envId, string volumeName, string[] command, Dictionary<string, string>? labels = null) =>
        (await api.CreateServiceAsync(envId, new
        {
            name = "db", image = LocalDocker.TestImage, command,
            volumes = new[] { new { type = "volume", source = volumeName, target = "/data" } },
            labels = labels ?? [],
        })).Id;

    /// <summary>The volume once the environment lists it (sizes are measured at most once a minute).</summary>
    private static async Task<VolumeView> ListedAsync(Api api, string envId, string name, long atLeast = 0) =>
        await Wait.ForAsync(async () => (await api.ItemsAsync<VolumeView>($"environments/{envId}/volumes")).FirstOrDefault(v => v.Name == name && v.SizeBytes >= atLeast),
            TimeSpan.FromSeconds(90), $"volume {name} to be listed{(atLeast > 0 ? $" with at least {atLeast} bytes" : "")}");

    private static async Task ExecAsync(NamespaceHost host, string containerId, string script)
    {
        var (exit, text) = await DockerExec.RunAsync(host.Docker, containerId, "sh", "-c", script);
        Assert.True(exit == 0, text);
    }

    private static async Task<int> CountAsync(BlobContainerClient container, string prefix)
    {
        var count = 0;
        await foreach (var _ in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, CancellationToken.None))
        {
            count++;
        }
        return count;
    }

    private static async Task<string> FirstAsync(BlobContainerClient container, string prefix)
    {
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, CancellationToken.None))
        {
            return blob.Name;
        }
        throw new InvalidOperationException("no blob");
    }
}
