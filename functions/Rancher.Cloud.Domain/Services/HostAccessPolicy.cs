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

    /// <summary>System files so commonly bound read-only, and harmless so, that baseline allows them: the host's time zone.</summary>
    public static readonly IReadOnlySet<string> ReadOnlyExceptions = new HashSet<string>(StringComparer.Ordinal) { "/etc/localtime", "/etc/timezone" };

    /// <summary>
    /// Kernel parameters baseline allows: Kubernetes' safe set (each scoped to the container's own
    /// namespaces, none able to starve the host), and <c>net.core.somaxconn</c>, a listen queue of the
    /// container's own network namespace that database images commonly raise.
    /// </summary>
    public static readonly IReadOnlySet<string> BaselineSysctls = new HashSet<string>(StringComparer.Ordinal)
    {
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", "net.core.somaxconn",
    };

    /// <summary>Log drivers that keep a container's logs with Docker; the others write to the host's journal or send them off it.</summary>
    public static readonly IReadOnlySet<string> BaselineLogDrivers = new HashSet<string>(StringComparer.Ordinal) { "json-file", "local", "none" };

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
        if (spec.Run is { } run)
        {
            CheckRun(run, refused, errors);
        }
        for (var i = 0; i < spec.Volumes.Count; i++)
        {
            // As Pod Security Standards' baseline forbids hostPath: no deny-list keeps up with what a host
            // keeps in its file system (sockets, credentials, binaries), so only named volumes, the
            // stack's folder and tmpfs are allowed, and the host's time zone read-only.
            if (spec.Volumes[i] is { Type: "bind", IsRelativeBind: false } bind && !(bind.ReadOnly && ReadOnlyExceptions.Contains(bind.Source)))
            {
                errors.Add($"volumes[{i}].source", $"binding {bind.Source} from the host is {refused}; use a named volume or a path in the stack's folder");
            }
        }
        return errors;
    }

    private static void CheckRun(Contracts.RunOptions run, string refused, FieldErrors errors)
    {
        foreach (var name in run.Sysctls.Keys.Where(k => !BaselineSysctls.Contains(k)))
        {
            errors.Add($"run.sysctls.{name}", $"'{name}' is outside the kernel parameters baseline allows ({string.Join(", ", BaselineSysctls.Order(StringComparer.Ordinal))}) and {refused}");
        }
        for (var i = 0; i < run.SecurityOpt.Count; i++)
        {
            // Turning privilege escalation off only confines the container more; every other option (turning it back on included) loosens its confinement.
            if (run.SecurityOpt[i] is not ("no-new-privileges" or "no-new-privileges:true" or "no-new-privileges=true"))
            {
                errors.Add($"run.securityOpt[{i}]", $"'{run.SecurityOpt[i]}' changes the container's confinement and is {refused}");
            }
        }
        for (var i = 0; i < run.Ulimits.Count; i++)
        {
            // Real-time priority lets a process outrun every CPU limit (SCHED_FIFO is not throttled), and starve the host's own daemons.
            if (run.Ulimits[i] is { Name: "rtprio" or "rttime" or "nice" } limit && (limit.Soft != 0 || limit.Hard != 0))
            {
                errors.Add($"run.ulimits[{i}]", $"'{limit.Name}' lets the container's processes take priority over the host's and is {refused}");
            }
        }
        if (run.NetworkMode == NetworkModes.Host)
        {
            errors.Add("run.networkMode", $"the host's network stack is {refused}");
        }
        if (run.OomScoreAdj is < 0)
        {
            errors.Add("run.oomScoreAdj", $"a negative score makes the host's other processes die first when memory runs out, and is {refused}");
        }
        if (run.Logging is { } logging && !BaselineLogDrivers.Contains(logging.Driver))
        {
            errors.Add("run.logging.driver", $"'{logging.Driver}' writes logs to the host or sends them off it and is {refused}; use json-file, local or none");
        }
    }

    /// <summary>
    /// The rule across a stack's services (or one service's own mounts): no relative bind or secret
    /// may lie inside another's writable relative bind. A container that can write there could
    /// replace the inner path with a symbolic link, and the other container's bind would follow it
    /// out of the stack's folder, to the host's root.
    /// </summary>
    /// <returns>Each refusal: the index of the service in <paramref name="services"/>, the field, the reason.</returns>
    public static IEnumerable<(int Service, string Field, string Reason)> CheckFolder(IReadOnlyList<ServiceSpec> services, PolicyLevel level)
    {
        if (level == PolicyLevel.Privileged)
        {
            yield break;
        }
        var mounts = services
            .SelectMany((spec, s) => spec.Volumes.Select((v, i) => (Service: s, Index: i, Volume: v)))
            .Where(m => m.Volume.IsRelativeBind)
            .Select(m => (m.Service, m.Index, m.Volume, Path: Normal(m.Volume.Source)))
            .ToList();
        foreach (var writable in mounts.Where(m => !m.Volume.ReadOnly))
        {
            foreach (var inner in mounts.Where(m => IsInside(m.Path, writable.Path)))
            {
                yield return (inner.Service, $"volumes[{inner.Index}].source",
                    $"'{inner.Volume.Source}' lies inside '{writable.Volume.Source}', which service '{services[writable.Service].Name}' mounts writable; refused by the environment's 'baseline' host-access policy, since a container could swap it for a link out of the stack's folder");
            }
        }
    }

    /// <summary>A relative path without '.', empty parts or a trailing '/': "" is the folder itself.</summary>
    private static string Normal(string relative) =>
        string.Join('/', relative.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."));

    private static bool IsInside(string path, string folder) =>
        path != folder && (folder.Length == 0 || path.StartsWith(folder + "/", StringComparison.Ordinal));
}
