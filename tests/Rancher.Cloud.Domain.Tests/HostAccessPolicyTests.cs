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
    [InlineData("/var/run/containerd/containerd.sock")]
    [InlineData("/usr/bin")]
    [InlineData("/var/lib/rancher-cloud-agent")]
    [InlineData("/srv/data")]
    [InlineData("/etc ")]
    public void Absolute_binds_are_refused_as_pod_security_baseline_refuses_host_paths(string source)
    {
        var refusals = Refusals(Given.Draft(d => d with { Volumes = [new VolumeDraft("bind", source, "/host", null)] }));
        Assert.Contains("baseline", Assert.Single(refusals["volumes[0].source"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("./conf")]
    [InlineData("data")]
    public void Binds_from_the_stacks_folder_are_allowed(string source) =>
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
    public void Host_networking_needs_a_privileged_environment()
    {
        const string yaml = "services:\n  web:\n    image: busybox\n    network_mode: host\n";
        var refused = ComposeReader.Read("ops", yaml, null);
        Assert.Contains(refused.Failure!.Fields!.ToDictionary()["services.web.run.networkMode"], r => r.StartsWith("line 4:", StringComparison.Ordinal) && r.Contains("baseline", StringComparison.Ordinal));

        var allowed = ComposeReader.Read("ops", yaml, null, PolicyLevel.Privileged);
        Assert.Equal("host", allowed.Value!.Services[0].Spec.Run!.NetworkMode);
        Assert.Contains("network_mode: host", ComposeWriter.Write(allowed.Value), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("network_mode: \"bridge\"", "services.web.run.networkMode", "must be 'host', 'none' or 'service:<name>'")]
    [InlineData("network_mode: none\n    ports: [\"80:80\"]", "services.web.ports", "publishes no ports")]
    [InlineData("pull_policy: build", "services.web.run.pullPolicy", "does not build")]
    public void Network_modes_the_platform_has_no_meaning_for_and_ports_without_a_network_are_refused(string option, string field, string reason)
    {
        var refused = ComposeReader.Read("ops", $"services:\n  web:\n    image: busybox\n    {option}\n", null, PolicyLevel.Privileged);
        Assert.Contains(refused.Failure!.Fields!.ToDictionary()[field], r => r.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void A_secret_is_a_relative_file_always_read_only()
    {
        var writable = ServiceSpec.From(Given.Draft(d => d with { Volumes = [new VolumeDraft("secret", "./db.txt", "/run/secrets/db", false)] }));
        Assert.Equal(["volumes[0].readOnly"], writable.Failure!.Fields!.ToDictionary().Keys);
        var root = ServiceSpec.From(Given.Draft(d => d with { Volumes = [new VolumeDraft("secret", "/", "/host", null)] }));
        Assert.Contains("relative path", Assert.Single(root.Failure!.Fields!.ToDictionary()["volumes[0].source"]), StringComparison.Ordinal);
        var file = ServiceSpec.From(Given.Draft(d => d with { Volumes = [new VolumeDraft("secret", "./db.txt", "/run/secrets/db", null)] }));
        Assert.True(file.Value.Spec.Volumes[0].ReadOnly);
    }

    [Fact]
    public void A_compose_volume_of_type_secret_is_refused_by_line()
    {
        var refused = ComposeReader.Read("ops", "services:\n  web:\n    image: busybox\n    volumes:\n      - type: secret\n        source: /\n        target: /host\n", null);
        Assert.False(refused.Succeeded);
        Assert.Contains(refused.Failure!.Fields!.ToDictionary().Values.SelectMany(r => r), r => r.Contains("'secret' mounts are not supported", StringComparison.Ordinal));
    }

    [Fact]
    public void A_relative_bind_inside_another_services_writable_one_is_refused_since_a_link_there_would_escape()
    {
        const string compose = """
            services:
              a:
                image: busybox
                volumes: [".:/w"]
              b:
                image: busybox
                volumes: ["./evil:/h"]
            """;
        var refused = ComposeReader.Read("sym", compose, null);
        Assert.False(refused.Succeeded);
        Assert.StartsWith("line 7: './evil' lies inside '.', which service 'a' mounts writable", Assert.Single(refused.Failure!.Fields!.ToDictionary()["services.b.volumes[0].source"]), StringComparison.Ordinal);

        // Read-only, or side by side, the same folders are fine; and a privileged environment allows anything.
        Assert.True(ComposeReader.Read("sym", compose.Replace(".:/w", ".:/w:ro", StringComparison.Ordinal), null).Succeeded);
        Assert.True(ComposeReader.Read("sym", compose.Replace(".:/w", "./data:/w", StringComparison.Ordinal), null).Succeeded);
        Assert.True(ComposeReader.Read("sym", compose, null, PolicyLevel.Privileged).Succeeded);
    }

    [Fact]
    public void One_services_own_binds_meet_the_same_rule()
    {
        var spec = ServiceSpec.From(Given.Draft(d => d with { Volumes = [new VolumeDraft("bind", "./data", "/data", null), new VolumeDraft("bind", "./data/x", "/x", true)] })).Value.Spec;
        Assert.Single(HostAccessPolicy.CheckFolder([spec], PolicyLevel.Baseline));
    }

    [Theory]
    [InlineData("./a/../data/x")]
    [InlineData("a/..")]
    [InlineData("data/x/..")]
    public void Relative_sources_name_their_path_plainly_so_nesting_cannot_hide(string source)
    {
        // Found by the second probe: './a/../data/x' inside a writable './data' passed the nesting rule.
        var outcome = ServiceSpec.From(Given.Draft(d => d with { Volumes = [new VolumeDraft("bind", "./data", "/data", null), new VolumeDraft("bind", source, "/host", true)] }));
        Assert.Contains("no '..' parts", Assert.Single(outcome.Failure!.Fields!.ToDictionary()["volumes[1].source"]), StringComparison.Ordinal);
    }
}
