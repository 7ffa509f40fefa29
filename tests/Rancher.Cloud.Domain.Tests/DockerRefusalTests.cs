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
    [InlineData("/sys/fs")]
    [InlineData("/run/./x")]
    public void A_tmpfs_over_the_root_proc_or_sys_or_through_dot_parts_is_refused(string target) =>
        Assert.Contains($"run.tmpfs.{target}", RefusedFields(new RunOptionsDraft { Tmpfs = new Dictionary<string, string?> { [target] = "" } }));

    [Fact]
    public void A_tmpfs_on_an_ordinary_path_is_taken() =>
        Assert.True(Spec(new RunOptionsDraft { Tmpfs = new Dictionary<string, string?> { ["/dev/shm"] = "size=64m", ["/run"] = "" } }).Succeeded);

    [Theory]
    [InlineData("json-file", "foo", "bar", false)]
    [InlineData("json-file", "max-size", "lots", false)]
    [InlineData("json-file", "max-size", "0", false)]
    [InlineData("json-file", "max-file", "0", false)]
    [InlineData("local", "tag", "x", false)]
    [InlineData("none", "max-size", "1m", false)]
    [InlineData("json-file", "max-size", "10m", true)]
    [InlineData("json-file", "max-size", "10MB", true)]
    [InlineData("json-file", "max-size", "1.5g", true)]
    [InlineData("local", "compress", "false", true)]
    public void Options_of_the_drivers_that_keep_logs_on_the_host_are_the_ones_they_take(string driver, string key, string value, bool taken)
    {
        var outcome = Spec(new RunOptionsDraft { Logging = new LogConfigDraft(driver, new Dictionary<string, string?> { [key] = value }) });
        Assert.Equal(taken, outcome.Succeeded);
        if (!taken)
        {
            Assert.Contains($"run.logging.options.{key}", outcome.Failure!.Fields!.ToDictionary().Keys);
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
    [InlineData("shm_size: 0.3", "shm_size")]
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
