using System.Net;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// An environment's host-access policy: baseline refuses what escapes a container, from the API
/// and from compose files alike; an owner may allow it, and the agent then runs it as asked.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class HostAccessPolicyTests(SelfHostedControlPlane controlPlane)
{
    public static TheoryData<string, string> Escapes => new()
    {
        { """{"name":"root","image":"busybox","volumes":[{"type":"bind","source":"/","target":"/host"}]}""", "volumes[0].source" },
        { """{"name":"sock","image":"busybox","volumes":[{"type":"bind","source":"/var/run/docker.sock","target":"/var/run/docker.sock"}]}""", "volumes[0].source" },
        { """{"name":"caps","image":"busybox","capAdd":["ALL"]}""", "capAdd[0]" },
        { """{"name":"priv","image":"busybox","hostAccess":{"privileged":true}}""", "hostAccess.privileged" },
        { """{"name":"pid","image":"busybox","hostAccess":{"pid":"host"}}""", "hostAccess.pid" },
        { """{"name":"dev","image":"busybox","hostAccess":{"devices":["/dev/fuse"]}}""", "hostAccess.devices[0]" },
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public async Task A_baseline_environment_refuses_what_escapes_a_container_naming_field_and_policy(string body, string field)
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"baseline-{Guid.NewGuid():N}"[..20]);

        using var response = await api.PostRawAsync($"environments/{envId}/services", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Api.ProblemAsync(response);
        Assert.Contains(problem.Errors[field], r => r.Contains("'baseline' host-access policy", StringComparison.Ordinal));
        Assert.Empty(await api.ItemsAsync<ServiceView>($"environments/{envId}/services"));
    }

    [Fact]
    public async Task Only_an_owner_allows_privileged_and_the_agent_runs_it_so_and_lowering_names_what_needs_it()
    {
        var tenant = await Tenant.CreateAsync(controlPlane, "policy");
        using var owner = tenant.Client(controlPlane);
        var envId = await owner.CreateEnvironmentAsync("ops");
        Assert.Equal("baseline", (await owner.GetOkAsync<EnvironmentView>($"environments/{envId}")).Policy);
        var (_, _, memberKey) = await tenant.MemberWithKeyAsync(controlPlane, "member");
        using var member = new Api(controlPlane.Url, memberKey);

        using var byMember = await member.PatchAsync($"environments/{envId}", new { policy = "privileged" });
        Assert.Equal(HttpStatusCode.Forbidden, byMember.StatusCode);
        using var nonsense = await owner.PatchAsync($"environments/{envId}", new { policy = "root" });
        Assert.Contains("policy", Api.Fields(await Api.ProblemAsync(nonsense)));

        var changed = await Api.OkAsync<EnvironmentView>(await owner.PatchAsync($"environments/{envId}", new { policy = "privileged" }));
        Assert.Equal("privileged", changed.Policy);

        await using var agent = await controlPlane.StartAgentAsync(owner, envId);
        // Privileged mode itself cannot run in this sandbox (runc may not apply all capabilities); the rest runs for real.
        var service = await owner.CreateServiceAsync(envId, new { name = "sysd", image = LocalDocker.TestImage, hostAccess = new { pid = "host", ipc = "host", devices = new[] { "/dev/fuse" } } });
        var running = await Services.RunningAsync(owner, envId, service.Id, 1);
        var container = await LocalDocker.Client.Containers.InspectContainerAsync(Services.ContainerOf(running[0]));
        Assert.Equal("host", container.HostConfig!.PidMode);
        Assert.Equal("host", container.HostConfig.IpcMode);
        Assert.Equal("/dev/fuse", Assert.Single(container.HostConfig.Devices).PathOnHost);

        using var lowering = await owner.PatchAsync($"environments/{envId}", new { policy = "baseline" });
        Assert.Equal(HttpStatusCode.Conflict, lowering.StatusCode);
        Assert.Contains("sysd", (await Api.ProblemAsync(lowering)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_compose_file_meets_the_same_policy_with_the_line()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"composepol-{Guid.NewGuid():N}"[..20]);
        const string compose = "services:\n  agent:\n    image: busybox\n    privileged: true\n";

        using var response = await api.PostAsync($"environments/{envId}/stacks", new { name = "ops", compose });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Api.ProblemAsync(response);
        Assert.StartsWith("line 4: privileged containers are refused", problem.Errors["services.agent.hostAccess.privileged"][0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_patch_that_mounts_the_stacks_folder_writable_over_another_services_mount_is_refused()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"folderpol-{Guid.NewGuid():N}"[..20]);
        const string compose = "services:\n  db:\n    image: busybox\n    deploy: {replicas: 0}\n    volumes: [\"./conf:/conf:ro\"]\n  web:\n    image: busybox\n    deploy: {replicas: 0}\n";
        using (var created = await api.PostAsync($"environments/{envId}/stacks", new { name = "shop", compose }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var web = (await api.ItemsAsync<ServiceView>($"environments/{envId}/services")).Single(s => s.Spec.Name == "web");

        using var response = await api.PatchAsync($"environments/{envId}/services/{web.Id}", new { volumes = new[] { new { type = "bind", source = ".", target = "/stack" } } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("mounts writable", (await Api.ProblemAsync(response)).Errors.Values.SelectMany(v => v).Single(), StringComparison.Ordinal);
        Assert.Empty((await api.ServiceAsync(envId, web.Id)).Spec.Volumes);
    }

    [Fact]
    public async Task The_agent_refuses_a_bind_from_the_stacks_folder_that_crosses_a_symbolic_link()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"symlink-{Guid.NewGuid():N}"[..20]);
        await using var agent = await controlPlane.StartAgentAsync(api, envId);
        // As a container of an earlier life of the stack could have left it: a link to the host's root.
        var folder = Path.Combine(agent.StateDir, "stacks", "sym");
        Directory.CreateDirectory(folder);
        File.CreateSymbolicLink(Path.Combine(folder, "evil"), "/");

        var stack = await Api.OkAsync<StackView>(await api.PostAsync($"environments/{envId}/stacks", new
        {
            name = "sym",
            compose = $"services:\n  b:\n    image: {LocalDocker.TestImage}\n    volumes: [\"./evil/etc:/h:ro\"]\n",
        }));

        var serviceId = stack.Services[0].Id;
        var error = await Wait.ForAsync(async () =>
            (await api.ServiceAsync(envId, serviceId)).Instances[0].Error, Services.Converge, "the agent to refuse the bind");
        Assert.Contains("crosses the symbolic link", error, StringComparison.Ordinal);
        Assert.Empty(await LocalDocker.OfServiceAsync(agent.HostId, serviceId));
    }
}
