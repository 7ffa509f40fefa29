using System.Diagnostics;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// DNS service discovery on three real hosts: a container on host A finds a service on host B by its
/// short, stack and full names, its container name and an alias, an external service's address,
/// fetches from it by name, sees a scale change, and never gets an unhealthy instance's address.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed class ServiceDiscoveryTests(MultiHostFixture fixture, ITestOutputHelper output)
{
    private const string Shop = """
        services:
          web:
            image: rancher-cloud-test/web:1
            labels:
              io.rancher.scheduler.affinity:host_label: role=b
          client:
            image: rancher-cloud-test/web:1
            command: sleep 3600
            labels:
              io.rancher.scheduler.affinity:host_label: role=a
          front:
            image: rancher/dns-service
            links: [web]
          legacy:
            image: rancher/external-service
            external_ips: ["192.0.2.10"]
          sick:
            image: rancher-cloud-test/web:1
            healthcheck:
              test: ["CMD", "cat", "/nonexistent"]
              interval: 1s
              retries: 1
        """;

    [Fact]
    public async Task A_container_finds_services_on_other_hosts_by_name()
    {
        using var api = fixture.ControlPlane.Admin();
        var envName = $"dns-{Guid.NewGuid():N}"[..16];
        var envId = await api.CreateEnvironmentAsync(envName);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 3,
            i => new Dictionary<string, string> { ["role"] = $"{(char)('a' + i)}" });
        var stack = await Api.OkAsync<StackView>(await api.PostAsync($"environments/{envId}/stacks", new { name = "shop", compose = Shop }));
        string IdOf(string name) => stack.Services.Single(s => s.Spec.Name == name).Id;
        var webAddress = Services.AddressOf((await Services.RunningAsync(api, envId, IdOf("web"), 1))[0]);
        var client = Services.ContainerOf((await Services.RunningAsync(api, envId, IdOf("client"), 1))[0]);
        var a = group.Hosts[0];

        foreach (var (name, expected) in new[] { "web", "web.shop", $"web.shop.{envName}.rancher.internal", "shop-web-1", "front" }.Select(n => (n, webAddress)).Append(("legacy", "192.0.2.10")))
        {
            var last = "";
            try
            {
                var answer = await Wait.ForAsync(async () =>
                {
                    var (_, text) = await DockerExec.RunAsync(a.Docker, client, "nslookup", name);
                    last = text;
                    return text.Contains(expected, StringComparison.Ordinal) ? text : null; // busybox nslookup exits 1 when any search domain misses
                }, TimeSpan.FromSeconds(20), $"'{name}' to resolve to {expected} in a container on host A");
                output.WriteLine(answer);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message}\nlast answer: {last}", e);
            }
        }
        var (fetched, page) = await DockerExec.RunAsync(a.Docker, client, "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 web 80");
        Assert.True(fetched == 0 && page.Contains("rancher-cloud-test web", StringComparison.Ordinal), page);

        // The sick service runs but never passes its check: no address is answered for it.
        await Services.RunningAsync(api, envId, IdOf("sick"), 1);
        var (_, sick) = await DockerExec.RunAsync(a.Docker, client, "nslookup", "sick");
        Assert.DoesNotMatch(@"Address:\s*10\.", sick);

        // Scale web to 2: the new instance's address is answered once it runs.
        Assert.True((await api.PatchAsync($"environments/{envId}/services/{IdOf("web")}", new { scale = 2 })).IsSuccessStatusCode);
        var both = await Services.RunningAsync(api, envId, IdOf("web"), 2);
        var watch = Stopwatch.StartNew();
        var second = both.Select(Services.AddressOf).Single(x => x != webAddress);
        await Wait.UntilAsync(async () => (await DockerExec.RunAsync(a.Docker, client, "nslookup", "web")).Output.Contains(second, StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), $"'web' to answer the new instance {second} too");
        output.WriteLine($"the new instance was answered {watch.ElapsedMilliseconds} ms after the API showed it running");
    }
}
