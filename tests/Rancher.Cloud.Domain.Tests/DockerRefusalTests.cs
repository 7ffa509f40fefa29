using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Stacks;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>
/// Values Docker, runc or the kernel would refuse only when the container is made are refused
/// when the service is: an instance never sits in error for what the request already said.
/// </summary>
public sealed class DockerRefusalTests
{
    private static Outcome<(ServiceSpec Spec, int Scale)> Spec(RunOptionsDraft run) =>
        ServiceSpec.From(Given.Draft(d => d with { Ports = [], Run = run }));

    private static string[] RefusedFields(RunOptionsDraft run) => [.. Spec(run).Failure!.Fields!.ToDictionary().Keys];

    [Theory]
    [InlineData("/.")]
    [InlineData("/tmp/..")]
    [InlineData("/proc")]
    [InlineData("/proc/sys")]
    [InlineData("/run/./x")]
    public void A_tmpfs_over_the_root_or_proc_or_through_dot_parts_is_refused(string target) =>
        Assert.Contains($"run.tmpfs.{target}", RefusedFields(new RunOptionsDraft { Tmpfs = new Dictionary<string, string?> { [target] = "" } }));

    [Fact]
    public void A_tmpfs_on_an_ordinary_path_is_taken() =>
        Assert.True(Spec(new RunOptionsDraft { Tmpfs = new Dictionary<string, string?> { ["/dev/shm"] = "size=64M", ["/run"] = "", ["/sys/fs/cgroup"] = "" } }).Succeeded);

    [Theory]
    [InlineData("json-file", "foo=bar", "foo")]
    [InlineData("json-file", "max-size=lots", "max-size")]
    [InlineData("json-file", "max-size=0.5", "max-size")]
    [InlineData("json-file", "max-size=10i", "max-size")]
    [InlineData("json-file", "max-file=0", "max-file")]
    [InlineData("json-file", "mode=sometimes", "mode")]
    [InlineData("json-file", "compress=true", "compress")] // nothing to rotate
    [InlineData("json-file", "compress=true,max-size=10m", "compress")] // one file
    [InlineData("local", "tag=x", "tag")]
    [InlineData("local", "max-file=1", "compress")] // local compresses unless told not to
    [InlineData("json-file", "max-size=10m", null)]
    [InlineData("json-file", "max-size=10MB,max-file=03", null)]
    [InlineData("json-file", "max-size=1.5g,max-file=3,compress=True,tag={{.Name}}", null)]
    [InlineData("json-file", "mode=non-blocking,max-buffer-size=4m", null)]
    [InlineData("local", "max-file=1,compress=false", null)]
    [InlineData("none", "anything=goes", null)]
    public void Options_of_the_drivers_that_keep_logs_on_the_host_are_checked_as_docker_checks_them(string driver, string pairs, string? refused)
    {
        var options = pairs.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1]);
        var outcome = Spec(new RunOptionsDraft { Logging = new LogConfigDraft(driver, options) });
        if (refused is null)
        {
            Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failure?.Fields?.ToDictionary().Values.SelectMany(v => v) ?? []));
        }
        else
        {
            Assert.Contains($"run.logging.options.{refused}", outcome.Failure!.Fields!.ToDictionary().Keys);
        }
    }

    [Fact]
    public void Too_few_open_files_to_start_is_refused_and_no_core_dumps_is_not()
    {
        Assert.Contains("run.ulimits[0]", RefusedFields(new RunOptionsDraft { Ulimits = [new("nofile", 0, 0)] }));
        Assert.True(Spec(new RunOptionsDraft { Ulimits = [new("core", 0, 0), new("nofile", 1024, 2048)] }).Succeeded);
    }

    [Fact]
    public void A_cpuset_beyond_dockers_highest_cpu_is_refused_and_one_beyond_a_hosts_goes_elsewhere()
    {
        Assert.Contains("run.cpuset", RefusedFields(new RunOptionsDraft { Cpuset = "9000" }));

        var spec = Spec(new RunOptionsDraft { Cpuset = "3" }).Value.Spec;
        var service = new Service("s1", spec, 1, Given.Now);
        var small = new Scheduling.HostView(Given.Host("h1"), Hosts.HostState.Active); // 2 CPUs
        var rejection = Scheduling.Scheduler.Default.Check(service, small);
        Assert.Equal(Scheduling.Constraints.Resources, rejection!.Constraint);
        Assert.Contains("needs CPU 3", rejection.Reason, StringComparison.Ordinal);
        var big = new Scheduling.HostView(Given.Host("h2") with { Facts = Given.Host("h2").Facts with { Cpus = 8 } }, Hosts.HostState.Active);
        Assert.Null(Scheduling.Scheduler.Default.Check(service, big));
    }

    [Theory]
    [InlineData("cpus: NaN", "cpus")]
    [InlineData("cpus: 0.0001", "limits.cpus")]
    [InlineData("shm_size: 0.3", "shm_size")] // less than a byte
    public void Amounts_that_would_silently_become_no_limit_are_refused_by_line(string option, string field)
    {
        var refused = ComposeReader.Read("s", $"services:\n  web:\n    image: busybox\n    {option}\n", null);
        Assert.Contains(refused.Failure!.Fields!.ToDictionary(), f => f.Key.EndsWith(field, StringComparison.Ordinal) && f.Value.Any(r => r.StartsWith("line 4", StringComparison.Ordinal) || !r.StartsWith("line", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("    sysctls: [net.core.somaxconn=1, net.core.somaxconn=2]\n", "", "2")]
    [InlineData("    logging: {driver: json-file, options: [max-size=1m, max-size=2m]}\n", "", "2m")]
    [InlineData("    volumes: [\"data:/data\"]\n", "volumes:\n  data:\n    labels: [a=b, a=c]\n", "c")]
    public void A_key_given_twice_in_a_list_keeps_its_last_value_as_compose_does(string option, string tail, string last)
    {
        var read = ComposeReader.Read("s", $"services:\n  web:\n    image: busybox\n{option}{tail}", null);
        Assert.True(read.Succeeded, string.Join("; ", read.Failure?.Fields?.ToDictionary().Values.SelectMany(v => v) ?? []));
        var spec = read.Value!.Services[0].Spec;
        var kept = spec.Run?.Sysctls.GetValueOrDefault("net.core.somaxconn")
            ?? spec.Run?.Logging?.Options.GetValueOrDefault("max-size")
            ?? spec.Volumes[0].Labels!["a"];
        Assert.Equal(last, kept);
    }

    [Fact]
    public void Fractional_sizes_round_down_to_bytes_as_docker_reads_them()
    {
        var spec = ComposeReader.Read("s", "services:\n  web:\n    image: busybox\n    mem_limit: 1.2g\n", null).Value!.Services[0].Spec;
        Assert.Equal(1288490188L, spec.Limits.MemoryBytes);
    }

    [Fact]
    public void Names_docker_takes_in_search_lists_and_hosts_files_are_taken() =>
        Assert.True(Spec(new RunOptionsDraft { DnsSearch = ["example.com."], ExtraHosts = ["my_host:10.0.0.1"] }).Succeeded);

    [Fact]
    public void Instances_without_an_address_do_not_fill_a_hosts_network()
    {
        var none = new Service("s1", Given.Spec("offline") with { Run = new Contracts.RunOptions { NetworkMode = "none" } }, 300, Given.Now);
        var view = new Scheduling.HostView(Given.Host("h1") with { Subnet = "10.42.0.0/24" }, Hosts.HostState.Active);
        for (var i = 0; i < Networking.EnvironmentNetwork.InstancesPerHost; i++)
        {
            view.Add(none);
        }
        Assert.Null(Scheduling.Scheduler.Default.Check(Given.Service("s2", 1), view));
    }

    [Fact]
    public void One_volume_mounted_twice_with_other_labels_is_refused()
    {
        var refused = ServiceSpec.From(Given.Draft(d => d with
        {
            Volumes =
            [
                new VolumeDraft("volume", "data", "/d", null) { Labels = new Dictionary<string, string?> { ["a"] = "1" } },
                new VolumeDraft("volume", "data", "/e", null) { Labels = new Dictionary<string, string?> { ["a"] = "2" } },
            ],
        }));
        Assert.Contains("volumes[1].labels", refused.Failure!.Fields!.ToDictionary().Keys);
    }
}
