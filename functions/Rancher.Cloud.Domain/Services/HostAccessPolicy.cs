using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Services;

/// <summary>How much of its hosts an environment's containers may reach, as Kubernetes' Pod Security Standards grade it.</summary>
public enum PolicyLevel
{
    /// <summary>The default: nothing that escapes the container (no privileged, host namespaces, devices, extra capabilities or host system binds).</summary>
    Baseline,

    /// <summary>Anything Docker allows; set by an owner, for environments that run system software.</summary>
    Privileged,
}

/// <summary>
/// An environment's host-access policy, applied to every service it runs, whether it comes from
/// the API or a compose file. Each refusal names the field and the policy.
/// </summary>
public static class HostAccessPolicy
{
    /// <summary>Docker's default capabilities, which the baseline level lets a service ask for explicitly (PSS baseline's list).</summary>
    public static readonly IReadOnlySet<string> BaselineCapabilities = new HashSet<string>(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    };

    /// <summary>Host paths a baseline container may not bind: the host's system, and the Docker socket that controls it.</summary>
    public static readonly IReadOnlyList<string> ProtectedPaths =
        ["/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/var/run/docker.sock", "/run/docker.sock", "/var/lib/docker", "/run/containerd"];

    /// <summary>System files so commonly bound read-only, and harmless so, that baseline allows them: the host's time zone.</summary>
    public static readonly IReadOnlySet<string> ReadOnlyExceptions = new HashSet<string>(StringComparer.Ordinal) { "/etc/localtime", "/etc/timezone" };

    public static string NameOf(PolicyLevel level) => level == PolicyLevel.Privileged ? "privileged" : "baseline";

    public static PolicyLevel? Parse(string? name) => name switch
    {
        null or "baseline" => PolicyLevel.Baseline,
        "privileged" => PolicyLevel.Privileged,
        _ => null,
    };

    /// <summary>Adds a refusal for every field of <paramref name="spec"/> that <paramref name="level"/> does not allow.</summary>
    public static FieldErrors Check(ServiceSpec spec, PolicyLevel level, FieldErrors errors)
    {
        if (level == PolicyLevel.Privileged)
        {
            return errors;
        }
        var refused = $"refused by the environment's 'baseline' host-access policy (an owner can set it to 'privileged')";
        if (spec.HostAccess is { } access)
        {
            if (access.Privileged)
            {
                errors.Add("hostAccess.privileged", $"privileged containers are {refused}");
            }
            if (access.Pid is not null)
            {
                errors.Add("hostAccess.pid", $"the host's process namespace is {refused}");
            }
            if (access.Ipc == "host")
            {
                errors.Add("hostAccess.ipc", $"the host's IPC namespace is {refused}");
            }
            for (var i = 0; i < access.Devices.Count; i++)
            {
                errors.Add($"hostAccess.devices[{i}]", $"host devices are {refused}");
            }
        }
        for (var i = 0; i < spec.CapAdd.Count; i++)
        {
            var capability = spec.CapAdd[i].ToUpperInvariant();
            if (!BaselineCapabilities.Contains(capability.StartsWith("CAP_", StringComparison.Ordinal) ? capability[4..] : capability))
            {
                errors.Add($"capAdd[{i}]", $"'{spec.CapAdd[i]}' is beyond Docker's default capabilities and {refused}");
            }
        }
        for (var i = 0; i < spec.Volumes.Count; i++)
        {
            if (spec.Volumes[i] is { Type: "bind", IsRelativeBind: false } bind && ProtectedPath(bind.Source) is { } path
                && !(bind.ReadOnly && ReadOnlyExceptions.Contains(bind.Source)))
            {
                errors.Add($"volumes[{i}].source", $"binding {path} from the host is {refused}");
            }
        }
        return errors;
    }

    /// <summary>
    /// The protected path <paramref name="source"/> is, lies under, or holds (a bind of <c>/var/run</c>
    /// exposes the Docker socket, one of <c>/</c> everything), after normalizing it.
    /// </summary>
    private static string? ProtectedPath(string source)
    {
        var parts = new List<string>();
        foreach (var part in source.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }
        var normal = "/" + string.Join('/', parts);
        var prefix = normal == "/" ? "/" : normal + "/";
        return ProtectedPaths.FirstOrDefault(p => normal == p || normal.StartsWith(p + "/", StringComparison.Ordinal) || p.StartsWith(prefix, StringComparison.Ordinal));
    }
}
