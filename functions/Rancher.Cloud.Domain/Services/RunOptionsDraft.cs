using System.Net;
using System.Text.RegularExpressions;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Services;

/// <summary><see cref="RunOptions"/> as a user asked for them; each value's shape is checked here, what it may reach is <see cref="HostAccessPolicy"/>'s question.</summary>
public sealed partial record RunOptionsDraft
{
    [Limit(4096)]
    public string? WorkingDir { get; init; }
    public bool? Tty { get; init; }
    public bool? StdinOpen { get; init; }
    public bool? Init { get; init; }
    public bool? ReadOnly { get; init; }
    [Limit(253)]
    public string? Domainname { get; init; }
    [Limit(Bounds.MaxItems)]
    public IReadOnlyList<string?>? ExtraHosts { get; init; }
    [Limit(Bounds.MaxItems)]
    public IReadOnlyList<string?>? Dns { get; init; }
    [Limit(Bounds.MaxItems)]
    public IReadOnlyList<string?>? DnsSearch { get; init; }
    [Limit(Bounds.MaxItems)]
    public IReadOnlyList<string?>? DnsOptions { get; init; }
    [Limit(Bounds.MaxItems)]
    public IReadOnlyDictionary<string, string?>? Sysctls { get; init; }
    [Limit(Bounds.MaxItems)]
    public IReadOnlyList<Ulimit?>? Ulimits { get; init; }
    [Limit(Bounds.MaxItems)]
    public IReadOnlyDictionary<string, string?>? Tmpfs { get; init; }
    public long? ShmSizeBytes { get; init; }
    public LogConfigDraft? Logging { get; init; }
    [Limit(Bounds.MaxItems)]
    public IReadOnlyList<string?>? SecurityOpt { get; init; }
    public int? CpuShares { get; init; }
    [Limit(256)]
    public string? Cpuset { get; init; }
    public long? MemoryReservationBytes { get; init; }
    public int? OomScoreAdj { get; init; }
    [Limit(Bounds.MaxItems)]
    public IReadOnlyList<string?>? GroupAdd { get; init; }
    [Limit(140)]
    public string? NetworkMode { get; init; }
    [Limit(32)]
    public string? PullPolicy { get; init; }

    /// <summary>The limits ulimits are known by (<c>ulimit -a</c>'s names as Docker takes them).</summary>
    public static readonly IReadOnlySet<string> UlimitNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack",
    };

    private const long MaxBytes = 1L << 50;

    private const long MinMemoryBytes = 6L << 20;

    private const long MaxOpenFiles = 1 << 20;

    private const long MinOpenFiles = 64;

    /// <summary>Docker's highest CPU number in a cpuset.</summary>
    private const int MaxCpu = 8191;

    private static readonly string NoneJson = System.Text.Json.JsonSerializer.Serialize(new RunOptions());

    /// <summary>Checks every value's shape, naming each refused field; null when nothing is asked.</summary>
    public static RunOptions? Check(RunOptionsDraft? draft, string field, FieldErrors errors)
    {
        if (draft is null)
        {
            return null;
        }
        var options = new RunOptions
        {
            WorkingDir = Absolute(draft.WorkingDir, $"{field}.workingDir", errors),
            Tty = draft.Tty ?? false,
            StdinOpen = draft.StdinOpen ?? false,
            Init = draft.Init,
            ReadOnly = draft.ReadOnly ?? false,
            Domainname = DomainName(draft.Domainname, $"{field}.domainname", errors),
            ExtraHosts = Items(draft.ExtraHosts, $"{field}.extraHosts", errors, IsExtraHost, "must be 'name:address' (an IPv4 or IPv6 address, or host-gateway)"),
            Dns = Items(draft.Dns, $"{field}.dns", errors, IsAddress, "must be an IPv4 address in dotted decimal, or an IPv6 address"),
            DnsSearch = Items(draft.DnsSearch, $"{field}.dnsSearch", errors, IsDomain, "must be a DNS domain"),
            DnsOptions = Items(draft.DnsOptions, $"{field}.dnsOptions", errors, s => DnsOption().IsMatch(s), "must be a resolv.conf option such as 'timeout:1' or 'rotate'"),
            Sysctls = Map(draft.Sysctls, $"{field}.sysctls", errors, k => SysctlName().IsMatch(k), "names are dotted kernel parameters (net.core.somaxconn)"),
            Ulimits = CheckUlimits(draft.Ulimits, $"{field}.ulimits", errors),
            Tmpfs = Map(draft.Tmpfs, $"{field}.tmpfs", errors, IsTmpfsTarget, "keys are absolute paths in the container without '.' or '..' parts, not its root or /proc", v => TmpfsOptions().IsMatch(v)),
            ShmSizeBytes = Range(draft.ShmSizeBytes, 0, MaxBytes, $"{field}.shmSizeBytes", errors),
            Logging = CheckLogging(draft.Logging, $"{field}.logging", errors),
            SecurityOpt = Items(draft.SecurityOpt, $"{field}.securityOpt", errors, s => SecurityOption().IsMatch(s), "must be 'no-new-privileges', or 'seccomp=', 'apparmor=' or 'label=' with a value"),
            CpuShares = (int)Range(draft.CpuShares, 2, 262_144, $"{field}.cpuShares", errors),
            Cpuset = draft.Cpuset is { } cpuset && !IsCpuset(cpuset) ? Refuse<string>($"{field}.cpuset", $"must list CPUs as '0-3' or '0,2', each range low to high, CPUs 0 to {MaxCpu}", errors) : draft.Cpuset,
            MemoryReservationBytes = Range(draft.MemoryReservationBytes, 0, MaxBytes, $"{field}.memoryReservationBytes", errors),
            OomScoreAdj = draft.OomScoreAdj is { } score ? (int)Range(score, -1000, 1000, $"{field}.oomScoreAdj", errors) : null,
            GroupAdd = Items(draft.GroupAdd, $"{field}.groupAdd", errors, s => GroupName().IsMatch(s), "must be a group name or id"),
            NetworkMode = CheckNetworkMode(draft.NetworkMode, $"{field}.networkMode", errors),
            PullPolicy = draft.PullPolicy switch
            {
                null or "missing" or "if_not_present" => null,
                "always" or "never" => draft.PullPolicy,
                _ => Refuse<string>($"{field}.pullPolicy", "must be 'always', 'missing' or 'never' (the platform does not build images)", errors),
            },
        };
        if (options.MemoryReservationBytes is > 0 and < MinMemoryBytes)
        {
            errors.Add($"{field}.memoryReservationBytes", "must be at least 6 MiB (Docker's minimum)");
        }
        // Options that all say Docker's defaults are none: the container (and its spec hash) is the one without them.
        return System.Text.Json.JsonSerializer.Serialize(options) == NoneJson ? null : options;
    }

    private static string? CheckNetworkMode(string? mode, string field, FieldErrors errors)
    {
        if (mode is null or NetworkModes.Host or NetworkModes.None)
        {
            return mode;
        }
        if (NetworkModes.JoinedService(mode) is { } joined)
        {
            return Scheduling.SchedulingDraft.CheckServiceName(joined, field, errors) is null ? null : mode;
        }
        return Refuse<string>(field, "must be 'host', 'none' or 'service:<name>' (another service's network, on the same host), or absent for the environment's network", errors);
    }

    private static T? Refuse<T>(string field, string reason, FieldErrors errors)
    {
        errors.Add(field, reason);
        return default;
    }

    private static long Range(long? value, long min, long max, string field, FieldErrors errors)
    {
        if (value is null)
        {
            return 0;
        }
        if (value < min || value > max)
        {
            errors.Add(field, $"must be between {min} and {max}");
        }
        return value.Value;
    }

    private static bool IsCpuset(string cpuset) =>
        cpuset.Length <= 256 && CpusetList().IsMatch(cpuset) && HighestCpu(cpuset) <= MaxCpu
        && cpuset.Split(',').All(part => part.Split('-') is not [var low, var high] || int.Parse(low, System.Globalization.CultureInfo.InvariantCulture) <= int.Parse(high, System.Globalization.CultureInfo.InvariantCulture));

    private static string? Absolute(string? path, string field, FieldErrors errors) =>
        path is null || path.StartsWith('/') && IsPath(path) ? path : Refuse<string>(field, "must be an absolute path in the container", errors);

    private static bool IsPath(string path) => path.Length <= 4096 && !path.Any(char.IsControl);

    /// <summary>Docker refuses a tmpfs over the root, and runc one over the /proc it mounts itself.</summary>
    private static bool IsTmpfsTarget(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return path.StartsWith('/') && IsPath(path) && parts.Length > 0 && !parts.Any(p => p is "." or "..") && parts[0] != "proc";
    }

    /// <summary>The highest CPU a valid cpuset names: a host with fewer CPUs cannot run it.</summary>
    public static int HighestCpu(string cpuset) =>
        cpuset.Split(',', '-').Max(n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture));

    private static string? DomainName(string? name, string field, FieldErrors errors) =>
        name is null || IsDomain(name) ? name : Refuse<string>(field, "must be a DNS name", errors);

    private static bool IsDomain(string name) => DnsName.IsValid(name);

    private static bool IsExtraHost(string entry)
    {
        var colon = entry.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && IsDomain(entry[..colon]) && (entry[(colon + 1)..] is "host-gateway" || IsAddress(entry[(colon + 1)..]));
    }

    /// <summary>An address as written in full: .NET's parser also takes "1" or "[::1]:53", which Docker and resolvers would not.</summary>
    private static bool IsAddress(string text) =>
        text.Contains(':', StringComparison.Ordinal)
            ? IPAddress.TryParse(text, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !text.Contains('%', StringComparison.Ordinal) && !text.Contains('[', StringComparison.Ordinal)
            : Networking.Ipv4Cidr.IsDottedDecimal(text);

    private static List<string> Items(IReadOnlyList<string?>? items, string field, FieldErrors errors, Func<string, bool> valid, string reason)
    {
        var result = new List<string>();
        if (items is null || Bounds.TooMany(items.Count, Bounds.MaxItems, field, errors))
        {
            return result;
        }
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is { Length: <= 1024 } item && valid(item))
            {
                result.Add(item);
            }
            else
            {
                errors.Add($"{field}[{i}]", reason);
            }
        }
        return result;
    }

    private static SortedDictionary<string, string> Map(
        IReadOnlyDictionary<string, string?>? map, string field, FieldErrors errors, Func<string, bool> validKey, string reason, Func<string, bool>? validValue = null)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (map is null || Bounds.TooMany(map.Count, Bounds.MaxItems, field, errors))
        {
            return result;
        }
        foreach (var (key, value) in map)
        {
            if (!validKey(key))
            {
                errors.Add($"{field}.{key}", reason);
            }
            else if (value is null || value.Length > 256 || value.Any(char.IsControl) || validValue?.Invoke(value) == false)
            {
                errors.Add($"{field}.{key}", "must be a value of at most 256 characters");
            }
            else
            {
                result[key] = value;
            }
        }
        return result;
    }

    private static List<Ulimit> CheckUlimits(IReadOnlyList<Ulimit?>? ulimits, string field, FieldErrors errors)
    {
        var result = new List<Ulimit>();
        if (ulimits is null || Bounds.TooMany(ulimits.Count, Bounds.MaxItems, field, errors))
        {
            return result;
        }
        for (var i = 0; i < ulimits.Count; i++)
        {
            if (ulimits[i] is not { } limit || !UlimitNames.Contains(limit.Name ?? ""))
            {
                errors.Add($"{field}[{i}].name", $"must be one of {string.Join(", ", UlimitNames.Order(StringComparer.Ordinal))}");
            }
            else if (limit.Soft < -1 || limit.Hard < -1 || limit.Soft > int.MaxValue || limit.Hard > int.MaxValue
                     || (limit.Hard != -1 && (limit.Soft == -1 || limit.Soft > limit.Hard)))
            {
                errors.Add($"{field}[{i}]", $"soft and hard are -1 (unlimited) or 0 to {int.MaxValue}, and soft is at most hard");
            }
            else if (limit.Name == "nofile" && (limit.Hard is -1 or > MaxOpenFiles || limit.Soft is -1))
            {
                errors.Add($"{field}[{i}]", $"open files are at most {MaxOpenFiles} (the kernel's limit), not unlimited");
            }
            else if (limit.Name == "nofile" && limit.Soft < MinOpenFiles)
            {
                errors.Add($"{field}[{i}]", $"open files are at least {MinOpenFiles}: the container's first process needs some to start");
            }
            else if (result.Any(u => u.Name == limit.Name))
            {
                errors.Add($"{field}[{i}].name", $"'{limit.Name}' is given twice");
            }
            else
            {
                result.Add(limit);
            }
        }
        return result;
    }

    private static LogConfig? CheckLogging(LogConfigDraft? logging, string field, FieldErrors errors)
    {
        if (logging is null)
        {
            return null;
        }
        if (logging.Driver is not { } driver || !DriverName().IsMatch(driver))
        {
            errors.Add($"{field}.driver", "must name a Docker log driver (json-file, local, none, syslog…)");
            return null;
        }
        var options = Map(logging.Options, $"{field}.options", errors, k => OptionName().IsMatch(k), "names are Docker log options (max-size, max-file…)");
        LogOptions.Check(driver, options, $"{field}.options", errors);
        return new LogConfig(driver, options);
    }

    [GeneratedRegex(@"^[a-z0-9_-]{1,32}(:[0-9]{1,5})?\z")]
    private static partial Regex DnsOption();

    [GeneratedRegex(@"^[a-z][a-z0-9_]*(?:[./][a-z0-9_-]+){1,15}\z")]
    private static partial Regex SysctlName();

    [GeneratedRegex(@"^[A-Za-z0-9=,._-]{0,256}\z")]
    private static partial Regex TmpfsOptions();

    [GeneratedRegex(@"^(no-new-privileges(?:[:=](?:true|false))?|(?:seccomp|apparmor|label)[:=][^\s]{1,256}|systempaths=unconfined)\z")]
    private static partial Regex SecurityOption();

    [GeneratedRegex(@"^[0-9]{1,4}(-[0-9]{1,4})?(,[0-9]{1,4}(-[0-9]{1,4})?){0,63}\z")]
    private static partial Regex CpusetList();

    [GeneratedRegex(@"^([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})\z")]
    private static partial Regex GroupName();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_.-]{0,63}\z")]
    private static partial Regex DriverName();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_.-]{0,63}\z")]
    private static partial Regex OptionName();
}

/// <summary>A log driver as asked: its name and options.</summary>
public sealed record LogConfigDraft(string? Driver, IReadOnlyDictionary<string, string?>? Options);
