using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Rancher.Cloud.Harness;

namespace Rancher.Cloud.Benchmarks;

/// <summary>
/// Backup and restore of a volume of mixed data (half log-like text, half random) on a namespace
/// host with a real agent and Azurite's blob storage, against <c>tar | zstd</c> of the same volume
/// to a local file (and <c>zstd -d | tar -x</c> back) measured in the same run. A second backup
/// follows a change of about a tenth of the volume. Prints MB/s, bytes uploaded and the ratios.
/// </summary>
public static class BackupBenchmark
{
    private const int FileMiB = 64;

    private static readonly string[] Sleep = ["sleep", "3600"];

    public static async Task RunAsync(int sizeMiB)
    {
        await using var platform = await NamespacePlatform.StartAsync(1);
        var host = platform.Hosts[0];
        var env = platform.EnvironmentId;
        await platform.PostAsync($"environments/{env}/services", new
        {
            name = "db", image = LocalDocker.TestImage, command = Sleep,
            volumes = new[] { new { type = "volume", source = "bench-data", target = "/data" } },
        });
        var mountpoint = await Wait.ForAsync(async () =>
        {
            try
            {
                return (await host.Docker.Volumes.InspectAsync("bench-data")).Mountpoint;
            }
            catch (Docker.DotNet.DockerApiException)
            {
                return null;
            }
        }, TimeSpan.FromSeconds(120), "the volume to exist");
        var files = Math.Max(2, sizeMiB / FileMiB);
        for (var i = 0; i < files; i++)
        {
            WriteFile(Path.Combine(mountpoint, $"f{i:D3}"), text: i % 2 == 0, seed: i);
        }
        var volumeBytes = Directory.EnumerateFiles(mountpoint).Sum(f => new FileInfo(f).Length);
        var volume = await Wait.ForAsync(async () =>
            JsonNode.Parse(await platform.Api.GetStringAsync($"environments/{env}/volumes"))!["items"]!.AsArray().FirstOrDefault(v => (string?)v!["name"] == "bench-data"),
            TimeSpan.FromSeconds(120), "the volume to be listed");
        var volumeId = (string)volume!["id"]!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Backup of a {volumeBytes / 1048576.0:0} MiB volume ({files} files of {FileMiB} MiB, half log-like text, half random), one namespace host, Azurite blob storage"));

        var scratch = Directory.CreateTempSubdirectory("rancher-bench-backup-");
        try
        {
            var archive = Path.Combine(scratch.FullName, "volume.tar.zst");
            var tarZstd = await TimeAsync($"tar -c -C '{mountpoint}' . | zstd -q -3 -o '{archive}'");
            var archiveBytes = new FileInfo(archive).Length;
            var untarDir = Directory.CreateDirectory(Path.Combine(scratch.FullName, "untar")).FullName;
            var unZstdTar = await TimeAsync($"zstd -q -d -c '{archive}' | tar -x -C '{untarDir}'");

            var first = await BackUpAsync(platform, env, volumeId);
            // About a tenth changes: one random file rewritten, and new text beside it.
            WriteFile(Path.Combine(mountpoint, "f001"), text: false, seed: 1001);
            WriteFile(Path.Combine(mountpoint, "new-log"), text: true, seed: 1002, mib: Math.Max(1, (int)(volumeBytes / 1048576 / 10) - FileMiB));
            var changed = Directory.EnumerateFiles(mountpoint).Sum(f => new FileInfo(f).Length);
            var second = await BackUpAsync(platform, env, volumeId);
            var restore = await RestoreAsync(platform, env, (string)first["id"]!);

            var uploaded = (long)first["bytesUploaded"]!;
            var floor = await StorageFloorAsync(platform.StorageConnection, uploaded, (int)first["newChunks"]!);
            var mbps = (double seconds) => volumeBytes / 1e6 / seconds;
            var backupSeconds = Seconds(first);
            var restoreSeconds = Seconds(restore);
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
                volume {volumeBytes / 1e6:0} MB; tar | zstd -3 archive {archiveBytes / 1e6:0} MB
                  tar | zstd -3 to a local file:           {tarZstd:0.00} s  {mbps(tarZstd),7:0} MB/s
                  first backup (agent's time):             {backupSeconds:0.00} s  {mbps(backupSeconds),7:0} MB/s   uploaded {(long)first["bytesUploaded"]! / 1e6:0} MB in {(int)first["newChunks"]!} chunks, paused {(long)first["pausedMs"]!} ms
                  second backup after {(changed - volumeBytes + FileMiB * 1048576L) / 1e6:0} MB changed:      {Seconds(second):0.00} s  uploaded {(long)second["bytesUploaded"]! / 1e6:0.0} MB ({(int)second["newChunks"]!} of {(int)second["chunks"]!} chunks), paused {(long)second["pausedMs"]!} ms
                  storage floor: the first backup's {uploaded / 1e6:0} MB as {(int)first["newChunks"]!} blobs straight to Azurite, 3 at once: {floor:0.00} s
                  zstd -d | tar -x from the local file:    {unZstdTar:0.00} s  {mbps(unZstdTar),7:0} MB/s
                  restore of the first into a new volume:  {restoreSeconds:0.00} s  {mbps(restoreSeconds),7:0} MB/s
                first backup throughput / tar|zstd (aim ≥ 0.50):      {tarZstd / backupSeconds:0.00}
                first backup / its slower floor, max(tar|zstd, upload): {Math.Max(tarZstd, floor) / backupSeconds:0.00}
                second backup uploaded / volume (aim ≤ 0.15):         {(long)second["bytesUploaded"]! / (double)changed:0.000}
                restore throughput / zstd -d|tar -x:                  {unZstdTar / restoreSeconds:0.00}
                """));
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>
    /// How long the storage itself takes to take <paramref name="bytes"/> as <paramref name="blobs"/>
    /// blobs, three in flight as the agent sends them: no backup through it can be faster.
    /// </summary>
    private static async Task<double> StorageFloorAsync(string connection, long bytes, int blobs)
    {
        var container = new Azure.Storage.Blobs.BlobServiceClient(connection).GetBlobContainerClient($"floor-{Guid.NewGuid():N}");
        await container.CreateAsync();
        var blob = new byte[(int)(bytes / Math.Max(1, blobs))];
        new Random(7).NextBytes(blob);
        using var gate = new SemaphoreSlim(3);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, blobs).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await container.GetBlobClient($"b{i}").UploadAsync(new BinaryData(blob));
            }
            finally
            {
                gate.Release();
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        await container.DeleteAsync();
        return seconds;
    }

    private static double Seconds(JsonNode task) =>
        ((DateTimeOffset)task["finishedAt"]! - (DateTimeOffset)task["startedAt"]!).TotalSeconds;

    private static async Task<JsonNode> BackUpAsync(NamespacePlatform platform, string env, string volumeId)
    {
        var started = await platform.PostAsync($"environments/{env}/volumes/{volumeId}/backups", null);
        return await EndedAsync(platform, env, (string)started["id"]!);
    }

    private static async Task<JsonNode> RestoreAsync(NamespacePlatform platform, string env, string backupId)
    {
        var started = await platform.PostAsync($"environments/{env}/backups/{backupId}/restore", new { volume = $"restored-{Guid.NewGuid():N}"[..20] });
        return await EndedAsync(platform, env, (string)started["id"]!);
    }

    private static async Task<JsonNode> EndedAsync(NamespacePlatform platform, string env, string taskId)
    {
        var task = await Wait.ForAsync(async () =>
        {
            var read = JsonNode.Parse(await platform.Api.GetStringAsync($"environments/{env}/volumeTasks/{taskId}"))!;
            return (string?)read["state"] is "completed" or "failed" ? read : null;
        }, TimeSpan.FromMinutes(20), $"task {taskId} to end");
        return (string?)task["state"] == "completed" ? task : throw new InvalidOperationException($"task {taskId} failed: {task["error"]}");
    }

    private static async Task<double> TimeAsync(string pipeline)
    {
        var clock = Stopwatch.StartNew();
        await Shell.RunAsync("sh", "-c", pipeline);
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Log-like text (timestamps, levels, ids; about 5:1 under zstd) or random bytes.</summary>
    private static void WriteFile(string path, bool text, int seed, int mib = FileMiB)
    {
        var random = new Random(seed);
        using var file = File.Create(path);
        var left = (long)mib << 20;
        var buffer = new byte[1 << 20];
        string[] levels = ["INFO", "WARN", "DEBUG", "ERROR"];
        string[] words = ["request", "served", "user", "cache", "miss", "hit", "order", "payment", "retry", "timeout", "session", "closed"];
        var line = 0;
        while (left > 0)
        {
            if (text)
            {
                var builder = new StringBuilder(buffer.Length + 200);
                while (builder.Length < buffer.Length)
                {
                    builder.Append(CultureInfo.InvariantCulture, $"2026-12-02T17:{line / 60000 % 60:D2}:{line / 1000 % 60:D2}.{line % 1000:D3}Z {levels[random.Next(4)]} worker-{random.Next(16)} {words[random.Next(words.Length)]} {words[random.Next(words.Length)]} id={random.Next():x8} took={random.Next(1000)}ms\n");
                    line++;
                }
                Encoding.ASCII.GetBytes(builder.ToString(), 0, buffer.Length, buffer, 0);
            }
            else
            {
                random.NextBytes(buffer);
            }
            var count = (int)Math.Min(left, buffer.Length);
            file.Write(buffer, 0, count);
            left -= count;
        }
    }
}
