using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Stacks;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>The baseline level refuses what escapes a container, from the API and from compose alike; privileged allows it.</summary>
public sealed class HostAccessPolicyTests
{
    private static IReadOnlyDictionary<string, string[]> Refusals(ServiceDraft draft, PolicyLevel level = PolicyLevel.Baseline)
    {
        var outcome = ServiceSpec.From(draft);
        Assert.True(outcome.Succeeded, "the draft itself is well formed");
        return HostAccessPolicy.Check(outcome.Value.Spec, level, new Errors.FieldErrors()).ToDictionary();
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/etc")]
    [InlineData("/etc/ssl/")]
    [InlineData("//etc")]
    [InlineData("/srv/../etc")]
    [InlineData("/proc")]
    [InlineData("/sys/fs/cgroup")]
    [InlineData("/var/run/docker.sock")]
    [InlineData("/run/docker.sock")]
    [InlineData("/var/run")]
    [InlineData("/var")]
    public void Binds_of_the_hosts_system_and_its_docker_socket_are_refused(string source)
    {
        var refusals = Refusals(Given.Draft(d => d with { Volumes = [new VolumeDraft("bind", source, "/host", null)] }));
        Assert.Contains("baseline", Assert.Single(refusals["volumes[0].source"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/srv/data")]
    [InlineData("/home/app/conf")]
    [InlineData("/etcetera")]
    [InlineData("./conf")]
    public void Ordinary_binds_are_allowed(string source) =>
        Assert.Empty(Refusals(Given.Draft(d => d with { Volumes = [new VolumeDraft("bind", source, "/data", null)] })));

    [Fact]
    public void The_hosts_time_zone_may_be_bound_read_only_but_not_writable()
    {
        Assert.Empty(Refusals(Given.Draft(d => d with { Volumes = [new VolumeDraft("bind", "/etc/localtime", "/etc/localtime", true)] })));
        Assert.Single(Refusals(Given.Draft(d => d with { Volumes = [new VolumeDraft("bind", "/etc/localtime", "/etc/localtime", false)] })));
    }

    [Fact]
    public void Capabilities_beyond_dockers_defaults_are_refused_and_the_defaults_allowed()
    {
        var refusals = Refusals(Given.Draft(d => d with { CapAdd = ["NET_BIND_SERVICE", "CAP_CHOWN", "ALL", "SYS_ADMIN", "net_admin"] }));
        Assert.Equal(["capAdd[2]", "capAdd[3]", "capAdd[4]"], refusals.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Privileged_mode_host_namespaces_and_devices_are_refused_at_baseline_and_allowed_at_privileged()
    {
        var draft = Given.Draft(d => d with { HostAccess = new HostAccessDraft(true, "host", "host", ["/dev/fuse"]), CapAdd = ["SYS_ADMIN"], Volumes = [new VolumeDraft("bind", "/var/run/docker.sock", "/var/run/docker.sock", null)] });
        Assert.Equal(
            ["capAdd[0]", "hostAccess.devices[0]", "hostAccess.ipc", "hostAccess.pid", "hostAccess.privileged", "volumes[0].source"],
            Refusals(draft).Keys.Order(StringComparer.Ordinal));
        Assert.Empty(Refusals(draft, PolicyLevel.Privileged));
    }

    [Fact]
    public void Malformed_host_access_is_invalid_whatever_the_policy()
    {
        var outcome = ServiceSpec.From(Given.Draft(d => d with { HostAccess = new HostAccessDraft(null, "container:x", "shared", ["sda", "/dev/../etc/passwd", "/dev/sda:/dev/xvda:rwx"]) }));
        Assert.False(outcome.Succeeded);
        Assert.Equal(
            ["hostAccess.devices[0]", "hostAccess.devices[1]", "hostAccess.devices[2]", "hostAccess.ipc", "hostAccess.pid"],
            outcome.Failure!.Fields!.ToDictionary().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Compose_files_meet_the_same_policy_with_the_line_of_each_refusal()
    {
        const string compose = """
            services:
              agent:
                image: busybox
                privileged: true
                pid: host
                cap_add: [SYS_ADMIN]
                volumes:
                  - /var/run/docker.sock:/var/run/docker.sock
            """;
        var refused = ComposeReader.Read("ops", compose, null);
        Assert.False(refused.Succeeded);
        var errors = refused.Failure!.Fields!.ToDictionary();
        Assert.StartsWith("line 4: privileged containers are refused by the environment's 'baseline'", Assert.Single(errors["services.agent.hostAccess.privileged"]), StringComparison.Ordinal);
        Assert.StartsWith("line 5:", Assert.Single(errors["services.agent.hostAccess.pid"]), StringComparison.Ordinal);
        Assert.StartsWith("line 6:", Assert.Single(errors["services.agent.capAdd[0]"]), StringComparison.Ordinal);
        Assert.StartsWith("line 8:", Assert.Single(errors["services.agent.volumes[0].source"]), StringComparison.Ordinal);

        var allowed = ComposeReader.Read("ops", compose, null, PolicyLevel.Privileged);
        Assert.True(allowed.Succeeded);
        var spec = allowed.Value!.Services[0].Spec;
        Assert.True(spec.HostAccess!.Privileged);
        Assert.Equal("host", spec.HostAccess.Pid);
        // Exported and read again, it is the same service.
        var again = ComposeReader.Read("ops", ComposeWriter.Write(allowed.Value), null, PolicyLevel.Privileged);
        Assert.Equal((true, "host"), (again.Value!.Services[0].Spec.HostAccess!.Privileged, again.Value.Services[0].Spec.HostAccess!.Pid));
    }

    [Fact]
    public void Host_networking_is_not_supported_at_any_level()
    {
        var refused = ComposeReader.Read("ops", "services:\n  web:\n    image: busybox\n    network_mode: host\n", null, PolicyLevel.Privileged);
        Assert.Contains("network_mode", string.Join(";", refused.Failure!.Fields!.ToDictionary().Keys), StringComparison.Ordinal);
    }
}
