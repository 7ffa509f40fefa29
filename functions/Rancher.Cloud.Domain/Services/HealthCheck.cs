using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Services;

/// <summary>
/// How the agent decides an instance is healthy: a command run in the container (compose's
/// <c>healthcheck.test</c>: <c>CMD</c> args, or <c>CMD-SHELL</c> text), an HTTP GET that must answer
/// 2xx/3xx, or a TCP connect. <see cref="Retries"/> failures in a row make it unhealthy; failures
/// during <see cref="StartPeriod"/> do not count.
/// </summary>
public sealed record HealthCheck(
    string Type,
    IReadOnlyList<string> Test,
    int Port,
    string Path,
    TimeSpan Interval,
    TimeSpan Timeout,
    int Retries,
    TimeSpan StartPeriod)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    public const int DefaultRetries = 3;

    public static HealthCheck? Check(HealthCheckDraft? draft, string field, FieldErrors errors)
    {
        if (draft is null)
        {
            return null;
        }
        var type = draft.Type ?? (draft.Test is { Count: > 0 } ? "command" : draft.Port is not null ? (draft.Path is null ? "tcp" : "http") : null);
        var test = new List<string>();
        var port = 0;
        switch (type)
        {
            case "command":
                if (draft.Test is not { Count: > 0 } given || given.Any(a => a is null)
                    || given[0] is not ("CMD" or "CMD-SHELL") || given.Count < 2 || (given[0] == "CMD-SHELL" && given.Count != 2))
                {
                    errors.Add($"{field}.test", "must be [\"CMD\", program, args...] or [\"CMD-SHELL\", \"shell command\"]");
                    return null;
                }
                test.AddRange(given!);
                break;
            case "http" or "tcp":
                if (draft.Port is not (>= 1 and <= 65535))
                {
                    errors.Add($"{field}.port", "must be between 1 and 65535");
                    return null;
                }
                port = draft.Port.Value;
                break;
            default:
                errors.Add($"{field}.type", "must be 'command', 'http' or 'tcp'");
                return null;
        }
        var path = type == "http" ? draft.Path ?? "/" : "";
        if (!path.StartsWith('/') && type == "http")
        {
            errors.Add($"{field}.path", "must start with '/'");
        }
        var interval = Duration(draft.Interval, DefaultInterval, $"{field}.interval", errors);
        var timeout = Duration(draft.Timeout, DefaultTimeout, $"{field}.timeout", errors);
        var startPeriod = Duration(draft.StartPeriod, TimeSpan.Zero, $"{field}.startPeriod", errors);
        if (interval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{field}.interval", "must be at least 1s");
        }
        if (timeout < TimeSpan.FromMilliseconds(100))
        {
            errors.Add($"{field}.timeout", "must be at least 100ms");
        }
        var retries = draft.Retries ?? DefaultRetries;
        if (retries is < 1 or > 100)
        {
            errors.Add($"{field}.retries", "must be between 1 and 100");
        }
        return new HealthCheck(type, test, port, path, interval, timeout, retries, startPeriod);
    }

    private static TimeSpan Duration(string? text, TimeSpan fallback, string field, FieldErrors errors)
    {
        if (text is null)
        {
            return fallback;
        }
        if (!Durations.TryParse(text, out var value))
        {
            errors.Add(field, "must be a duration such as '10s', '1m30s' or '500ms'");
        }
        return value;
    }
}
