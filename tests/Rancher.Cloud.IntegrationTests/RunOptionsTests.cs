using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>What a service says of docker run's other options reaches Docker: the container, inspected, has each of them.</summary>
[Collection(SystemCollection.Name)]
public sealed class RunOptionsTests(SelfHostedControlPlane controlPlane)
{
    [Fact]
    public async Task Each_option_reaches_the_container()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"run-{Guid.NewGuid():N}"[..20]);
        await using var agent = await controlPlane.StartAgentAsync(api, envId);

        var web = await api.CreateServiceAsync(envId, new
        {
            name = "web",
            image = LocalDocker.TestImage,
            run = new
            {
                workingDir = "/tmp",
                domainname = "example.internal",
                tty = true,
                stdinOpen = true,
                init = true,
                readOnly = true,
                extraHosts = new[] { "db.local:10.0.0.5" },
                dns = new[] { "10.0.0.53" },
                dnsSearch = new[] { "corp.example" },
                dnsOptions = new[] { "timeout:1" },
                sysctls = new Dictionary<string, string> { ["net.core.somaxconn"] = "1024" },
                ulimits = new[] { new { name = "nofile", soft = 1000, hard = 2000 } },
                tmpfs = new Dictionary<string, string> { ["/run"] = "size=16m" },
                shmSizeBytes = 32L << 20,
                logging = new { driver = "json-file", options = new Dictionary<string, string> { ["max-size"] = "1m" } },
                securityOpt = new[] { "no-new-privileges:true" },
                cpuShares = 512,
                cpuset = "0",
                memoryReservationBytes = 64L << 20,
                oomScoreAdj = 100,
                groupAdd = new[] { "1001" },
            },
        });
        var instance = (await Services.RunningAsync(api, envId, web.Id, 1))[0];

        var container = await LocalDocker.Client.Containers.InspectContainerAsync(Services.ContainerOf(instance));
        var host = container.HostConfig!;
        Assert.Equal("/tmp", container.Config!.WorkingDir);
        Assert.Equal("example.internal", container.Config.Domainname);
        Assert.True(container.Config.Tty);
        Assert.True(container.Config.OpenStdin);
        Assert.True(host.Init);
        Assert.True(host.ReadonlyRootfs);
        Assert.Contains("db.local:10.0.0.5", host.ExtraHosts);
        Assert.Contains("10.0.0.53", host.DNS);
        Assert.Contains("corp.example", host.DNSSearch);
        Assert.Contains("timeout:1", host.DNSOptions);
        Assert.Equal("1024", host.Sysctls!["net.core.somaxconn"]);
        var nofile = Assert.Single(host.Ulimits, u => u.Name == "nofile");
        Assert.Equal((1000L, 2000L), (nofile.Soft, nofile.Hard));
        Assert.Equal("size=16m", host.Tmpfs!["/run"]);
        Assert.Equal(32L << 20, host.ShmSize);
        Assert.Equal("1m", host.LogConfig!.Config["max-size"]);
        Assert.Contains("no-new-privileges:true", host.SecurityOpt);
        Assert.Equal(512, host.CPUShares);
        Assert.Equal("0", host.CpusetCpus);
        Assert.Equal(64L << 20, host.MemoryReservation);
        Assert.Equal(100, host.OomScoreAdj);
        Assert.Contains("1001", host.GroupAdd);

        // The platform's own name server and search domains stay first, so service names still resolve.
        Assert.True(host.DNS.Count > 1, "the environment's responder and the service's own server");
        Assert.Equal("10.0.0.53", host.DNS[^1]);
    }

    [Fact]
    public async Task A_container_on_no_network_takes_no_address_and_pull_policy_never_never_pulls()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"run-{Guid.NewGuid():N}"[..20]);
        await using var agent = await controlPlane.StartAgentAsync(api, envId);

        var offline = await api.CreateServiceAsync(envId, new { name = "offline", image = LocalDocker.TestImage, command = new[] { "sleep", "3600" }, run = new { networkMode = "none" } });
        var instance = (await Services.RunningAsync(api, envId, offline.Id, 1))[0];
        Assert.Null(instance.Address);
        var container = await LocalDocker.Client.Containers.InspectContainerAsync(Services.ContainerOf(instance));
        Assert.Equal("none", container.HostConfig!.NetworkMode);

        // An image the host does not have, which must not be pulled: Docker's own refusal is the instance's error.
        var absent = await api.CreateServiceAsync(envId, new { name = "absent", image = "rancher-cloud-test/absent:1", run = new { pullPolicy = "never" } });
        var error = await Wait.ForAsync(async () =>
            (await api.ServiceAsync(envId, absent.Id)).Instances.Select(i => i.Error).FirstOrDefault(e => e is not null),
            Services.Converge, "the absent image's instance to report its error");
        Assert.Contains("No such image", error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_baseline_environment_refuses_what_reaches_into_the_host_naming_the_field()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"run-{Guid.NewGuid():N}"[..20]);

        var refused = await api.PostAsync($"environments/{envId}/services", new
        {
            name = "web",
            image = LocalDocker.TestImage,
            run = new { sysctls = new Dictionary<string, string> { ["kernel.msgmax"] = "65536" }, securityOpt = new[] { "seccomp=unconfined" } },
        });

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("run.sysctls.kernel.msgmax", body, StringComparison.Ordinal);
        Assert.Contains("run.securityOpt[0]", body, StringComparison.Ordinal);
    }
}
