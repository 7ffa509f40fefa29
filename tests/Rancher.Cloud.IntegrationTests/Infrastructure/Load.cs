namespace Rancher.Cloud.IntegrationTests.Infrastructure;

/// <summary>Requests one after another on two connections until stopped: which instances answered, and every failure.</summary>
public sealed class Load : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task[] workers;
    private readonly HashSet<string> seen = new(StringComparer.Ordinal);
    private readonly List<string> failures = [];
    private int requests;

    public Load(HttpClient http) =>
        workers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var answer = await AnswerAsync(http);
                lock (seen)
                {
                    requests++;
                    if (answer is null)
                    {
                        failures.Add($"request {requests} at {DateTime.UtcNow:HH:mm:ss.fff}");
                    }
                    else
                    {
                        seen.Add(answer);
                    }
                }
            }
        })).ToArray();

    public HashSet<string> Seen
    {
        get
        {
            lock (seen)
            {
                return [.. seen];
            }
        }
    }

    /// <summary>Forgets who answered so far (not the failures).</summary>
    public void Reset()
    {
        lock (seen)
        {
            seen.Clear();
        }
    }

    public (int Requests, List<string> Failures) Stop()
    {
        stop.Cancel();
        Task.WaitAll(workers);
        lock (seen)
        {
            return (requests, [.. failures]);
        }
    }

    public void Dispose()
    {
        if (!stop.IsCancellationRequested)
        {
            Stop();
        }
        stop.Dispose();
    }

    /// <summary>Which containers answered <paramref name="requests"/> requests in turn ("failed" for each that failed).</summary>
    public static async Task<HashSet<string>> SeenAsync(HttpClient http, int requests, string? host = null)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < requests; i++)
        {
            seen.Add(await AnswerAsync(http, host) ?? "failed");
        }
        return seen;
    }

    /// <summary>One request to the test image's <c>/cgi-bin/env</c>: the answering container's hostname, or null when it failed.</summary>
    public static async Task<string?> AnswerAsync(HttpClient http, string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/cgi-bin/env");
        request.Headers.Host = host;
        try
        {
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode
                ? text.Split('\n').FirstOrDefault(l => l.StartsWith("HOSTNAME=", StringComparison.Ordinal))?["HOSTNAME=".Length..].Trim()
                : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
