using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Volumes;

/// <summary>
/// A running task's figures, counted from any thread and sent to the control plane every two
/// seconds until disposed: the one way backups, restores and verifications report how far they are.
/// </summary>
public sealed class TaskProgress : IAsyncDisposable
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource stop = new();
    private readonly Task sending;
    private long bytes;
    private long uploaded;
    private int chunks;

    public TaskProgress(Func<VolumeTaskProgress, Task> send) => sending = SendAsync(send);

    /// <summary>About how many bytes the task goes through; set once known.</summary>
    public long Total { get; set; }

    public long Bytes => Interlocked.Read(ref bytes);

    public long Uploaded => Interlocked.Read(ref uploaded);

    public int Chunks => Volatile.Read(ref chunks);

    /// <summary>A chunk of <paramref name="length"/> bytes is done.</summary>
    public void ChunkDone(long length)
    {
        Interlocked.Add(ref bytes, length);
        Interlocked.Increment(ref chunks);
    }

    public void AddUploaded(long length) => Interlocked.Add(ref uploaded, length);

    private async Task SendAsync(Func<VolumeTaskProgress, Task> send)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Every, stop.Token);
                await send(new VolumeTaskProgress(Bytes, Math.Max(Total, Bytes), Chunks, Uploaded));
            }
        }
        catch (OperationCanceledException)
        {
            // The task ended.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await sending;
        stop.Dispose();
    }
}
