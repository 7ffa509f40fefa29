using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Stacks;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>The rest of what docker run can say, from a compose file: read, validated, governed by the policy, written back.</summary>
public sealed class RunOptionsTests
{
    private const string Everything = """
        services:
          cache:
            image: redis:7
            working_dir: /data
            domainname: example.internal
            tty: true
            stdin_open: true
            init: true
            read_only: true
            extra_hosts:
              - "db.local:10.0.0.5"
              - "gw=host-gateway"
            dns: 1.1.1.1
            dns_search: [corp.example]
            dns_opt: ["timeout:1", rotate]
            sysctls:
              net.core.somaxconn: "1024"
            ulimits:
              nproc: 65535
              nofile: {soft: 20000, hard: 40000}
            tmpfs:
              - /run
              - /tmp:size=64m,mode=1777
            shm_size: 128m
            logging:
              driver: json-file
              options: {max-size: 10m, max-file: "3"}
            security_opt: [no-new-privileges:true]
            cpu_shares: 512
            cpuset: "0-1"
            cpus: 0.5
            mem_limit: 256m
            mem_reservation: 128m
            oom_score_adj: 100
            group_add: [audio, "1001"]
        """;

    private static Outcome<StackDefinition> Read(string yaml, PolicyLevel policy = PolicyLevel.Baseline) =>
        ComposeReader.Read("s", yaml, null, policy);

    [Fact]
    public void Every_option_is_read_into_the_spec()
    {
        var read = Read(Everything);
        Assert.True(read.Succeeded, read.Failure?.ToString());
        var spec = Assert.Single(read.Value!.Services).Spec;
        var run = spec.Run!;
        Assert.Equal("/data", run.WorkingDir);
        Assert.Equal("example.internal", run.Domainname);
        Assert.True(run.Tty && run.StdinOpen && run.ReadOnly && run.Init == true);
        Assert.Equal(["db.local:10.0.0.5", "gw:host-gateway"], run.ExtraHosts);
        Assert.Equal(["1.1.1.1"], run.Dns);
        Assert.Equal(["corp.example"], run.DnsSearch);
        Assert.Equal(["timeout:1", "rotate"], run.DnsOptions);
        Assert.Equal("1024", run.Sysctls["net.core.somaxconn"]);
        Assert.Equal([new("nproc", 65535, 65535), new("nofile", 20000, 40000)], run.Ulimits);
        Assert.Equal("", run.Tmpfs["/run"]);
        Assert.Equal("size=64m,mode=1777", run.Tmpfs["/tmp"]);
        Assert.Equal(128L << 20, run.ShmSizeBytes);
        Assert.Equal("json-file", run.Logging!.Driver);
        Assert.Equal("10m", run.Logging.Options["max-size"]);
        Assert.Equal(["no-new-privileges:true"], run.SecurityOpt);
        Assert.Equal(512, run.CpuShares);
        Assert.Equal("0-1", run.Cpuset);
        Assert.Equal(128L << 20, run.MemoryReservationBytes);
        Assert.Equal(100, run.OomScoreAdj);
        Assert.Equal(["audio", "1001"], run.GroupAdd);
        Assert.Equal(new ResourceLimits(500, 256L << 20), spec.Limits);
    }

    [Fact]
    public void Every_option_is_written_back_and_reads_again_the_same()
    {
        var first = Read(Everything).Value!;
        var exported = ComposeWriter.Write(first);
        var again = Read(exported);

        Assert.True(again.Succeeded, again.Failure?.ToString() + "\n" + exported);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(first.Services[0].Spec), System.Text.Json.JsonSerializer.Serialize(again.Value!.Services[0].Spec));
        Assert.Equal(exported, ComposeWriter.Write(again.Value!));
        Assert.Contains("cpu_shares: 512", exported, StringComparison.Ordinal);
        Assert.Contains("tty: true", exported, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("working_dir: relative/dir", "run.workingDir", "absolute")]
    [InlineData("extra_hosts: [\"no-address\"]", "run.extraHosts[0]", "name:address")]
    [InlineData("dns: [not-an-ip]", "run.dns[0]", "IPv4 address")]
    [InlineData("ulimits: {bogus: 5}", "run.ulimits[0].name", "nofile")]
    [InlineData("ulimits: {nofile: {soft: 10, hard: 5}}", "run.ulimits[0]", "soft is at most hard")]
    [InlineData("tmpfs: [relative]", "run.tmpfs.relative", "absolute")]
    [InlineData("cpu_shares: 1", "services.web.cpu_shares", "between 2")]
    [InlineData("cpuset: \"0-a\"", "run.cpuset", "0-3")]
    [InlineData("oom_score_adj: 5000", "services.web.oom_score_adj", "between -1000 and 1000")]
    [InlineData("group_add: [\"bad group\"]", "run.groupAdd[0]", "group")]
    [InlineData("security_opt: [\"whatever\"]", "run.securityOpt[0]", "no-new-privileges")]
    [InlineData("logging: {driver: \"Bad Driver\"}", "run.logging.driver", "log driver")]
    public void A_bad_value_is_refused_naming_its_key_and_line(string option, string field, string reason)
    {
        var read = Read($"services:\n  web:\n    image: busybox\n    {option}\n");

        Assert.False(read.Succeeded);
        var errors = read.Failure!.Fields!.ToDictionary();
        var key = field.StartsWith("services.", StringComparison.Ordinal) ? field : $"services.web.{field}";
        Assert.True(errors.ContainsKey(key), $"{key} not in {string.Join(", ", errors.Keys)}");
        Assert.Contains(errors[key], r => r.Contains(reason, StringComparison.Ordinal) && r.StartsWith("line 4:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("sysctls: {kernel.msgmax: \"65536\"}", "run.sysctls.kernel.msgmax")]
    [InlineData("security_opt: [seccomp=unconfined]", "run.securityOpt[0]")]
    [InlineData("oom_score_adj: -500", "run.oomScoreAdj")]
    [InlineData("logging: {driver: journald}", "run.logging.driver")]
    public void What_reaches_into_the_host_needs_a_privileged_environment(string option, string field)
    {
        var yaml = $"services:\n  web:\n    image: busybox\n    {option}\n";

        var refused = Read(yaml);
        Assert.False(refused.Succeeded);
        Assert.Contains(refused.Failure!.Fields!.ToDictionary()[$"services.web.{field}"], r => r.Contains("baseline", StringComparison.Ordinal));
        Assert.True(Read(yaml, PolicyLevel.Privileged).Succeeded);
    }

    [Fact]
    public void A_service_that_says_none_of_it_has_no_run_options() =>
        Assert.Null(Assert.Single(Read("services:\n  web:\n    image: busybox\n").Value!.Services).Spec.Run);
}

/// <summary>What a hostile review found: values Docker or the kernel would refuse, and ways around the baseline.</summary>
public sealed class RunOptionsHardeningTests
{
    private static Outcome<(ServiceSpec Spec, int Scale)> Spec(RunOptionsDraft run, Func<ServiceDraft, ServiceDraft>? more = null) =>
        ServiceSpec.From((more ?? (d => d))(Given.Draft(d => d with { Ports = [], Run = run })));

    [Theory]
    [InlineData("dns")]
    [InlineData("tmpfs")]
    [InlineData("cpuset")]
    [InlineData("nofile")]
    [InlineData("reservation")]
    public void Values_docker_or_the_kernel_would_refuse_are_refused_here(string which)
    {
        var run = which switch
        {
            "dns" => new RunOptionsDraft { Dns = ["1"] },
            "tmpfs" => new RunOptionsDraft { Tmpfs = new Dictionary<string, string?> { ["/"] = "" } },
            "cpuset" => new RunOptionsDraft { Cpuset = "3-1" },
            "nofile" => new RunOptionsDraft { Ulimits = [new("nofile", -1, -1)] },
            _ => new RunOptionsDraft { MemoryReservationBytes = 1 << 20 },
        };
        Assert.False(Spec(run).Succeeded);
    }

    [Fact]
    public void A_reservation_above_the_limit_is_refused() =>
        Assert.Contains("run.memoryReservationBytes", Spec(new RunOptionsDraft { MemoryReservationBytes = 512L << 20 }, d => d with { Limits = new LimitsDraft(null, 256L << 20) }).Failure!.Fields!.ToDictionary().Keys);

    [Fact]
    public void A_container_without_an_address_of_its_own_cannot_have_an_http_or_tcp_check()
    {
        var refused = Spec(new RunOptionsDraft { NetworkMode = "none" }, d => d with { HealthCheck = new HealthCheckDraft { Type = "tcp", Port = 80 } });
        Assert.Contains("healthCheck.type", refused.Failure!.Fields!.ToDictionary().Keys);
    }

    [Theory]
    [InlineData("rtprio")]
    [InlineData("no-new-privileges:false")]
    public void Baseline_refuses_real_time_priority_and_turning_no_new_privileges_back_off(string which)
    {
        var run = which == "rtprio" ? new RunOptionsDraft { Ulimits = [new("rtprio", 99, 99)] } : new RunOptionsDraft { SecurityOpt = [which] };
        var spec = Spec(run).Value.Spec;
        Assert.False(HostAccessPolicy.Check(spec, PolicyLevel.Baseline, new FieldErrors()).IsEmpty);
        Assert.True(HostAccessPolicy.Check(spec, PolicyLevel.Privileged, new FieldErrors()).IsEmpty);
    }

    [Fact]
    public void Options_that_all_say_dockers_defaults_are_none_so_no_container_is_recreated()
    {
        Assert.Null(Spec(new RunOptionsDraft()).Value.Spec.Run);
        Assert.Null(Spec(new RunOptionsDraft { Tty = false, PullPolicy = "missing" }).Value.Spec.Run);
        Assert.Null(Assert.Single(ComposeReader.Read("s", "services:\n  web:\n    image: busybox\n    tty: false\n", null).Value!.Services).Spec.Run);
    }

    [Fact]
    public void A_service_on_the_hosts_network_runs_once_per_host()
    {
        var env = new EnvironmentModel();
        env.Hosts.Add(Given.Host("h1"));
        var spec = Spec(new RunOptionsDraft { NetworkMode = "host" }).Value.Spec;
        env.Services.Add(new Service("s1", spec, 2, Given.Now));

        env.Settle();

        Assert.Single(env.Instances);
        Assert.Null(env.Instances[0].Address);
        Assert.Equal(1, env.Statuses["s1"].Unplaced);
    }
}

public sealed class VolumeLabelTests
{
    [Fact]
    public void A_named_volumes_labels_reach_its_mounts_and_are_written_back()
    {
        const string yaml = "services:\n  db:\n    image: postgres\n    volumes: [\"data:/var/lib/postgresql/data\"]\nvolumes:\n  data:\n    labels:\n      com.example.backup: nightly\n";
        var stack = ComposeReader.Read("s", yaml, null).Value!;

        Assert.Equal("nightly", Assert.Single(stack.Services).Spec.Volumes[0].Labels!["com.example.backup"]);
        var exported = ComposeWriter.Write(stack);
        Assert.Contains("com.example.backup: nightly", exported, StringComparison.Ordinal);
        Assert.Equal(exported, ComposeWriter.Write(ComposeReader.Read("s", exported, null).Value!));
    }

    [Fact]
    public void A_bad_volume_label_is_refused_by_line() =>
        Assert.False(ComposeReader.Read("s", "services:\n  db:\n    image: postgres\nvolumes:\n  data:\n    labels:\n      \"\": x\n", null).Succeeded);
}

public sealed class ApiVolumeLabelTests
{
    private static Errors.Outcome<(ServiceSpec Spec, int Scale)> Spec(VolumeDraft volume) =>
        ServiceSpec.From(Given.Draft(d => d with { Volumes = [volume] }));

    [Fact]
    public void A_named_volume_created_through_the_api_carries_its_labels_to_the_plan()
    {
        var spec = Spec(new VolumeDraft("volume", "data", "/data", null) { Labels = new Dictionary<string, string?> { ["com.example.backup"] = "nightly" } }).Value.Spec;

        Assert.Equal("nightly", spec.Volumes[0].Labels!["com.example.backup"]);
        var planned = Reconcile.HostPlanBuilder.Containers([new Instance("i1", "s1", 1, "h1")], new Dictionary<string, Service> { ["s1"] = new("s1", spec, 1, Given.Now) });
        Assert.Equal("nightly", planned[0].Mounts[0].Labels!["com.example.backup"]);
    }

    [Theory]
    [InlineData("bind", "/srv", "only a named volume")]
    [InlineData("volume", "", "only a named volume")]
    [InlineData("volume", "data", "reserved")]
    public void Labels_only_on_named_volumes_and_never_the_platforms_own(string type, string source, string reason)
    {
        var labels = new Dictionary<string, string?> { [reason == "reserved" ? $"{Contracts.Labels.Prefix}host" : "team"] = "x" };
        var refused = Spec(new VolumeDraft(type, source, "/data", null) { Labels = labels }).Failure!.Fields!.ToDictionary();
        Assert.Contains(refused, f => f.Key.StartsWith("volumes[0].labels", StringComparison.Ordinal) && f.Value.Any(r => r.Contains(reason, StringComparison.Ordinal)));
    }
}
