using Rancher.Cloud.Functions;
using System.Net;
using System.Reflection;
using System.Text;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Tenancy;
using Rancher.Cloud.IntegrationTests.Infrastructure;
using Rancher.Cloud.SelfHost;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// Every HTTP function of the app — enumerated from the generated functions.metadata, so a new
/// route is covered the day it lands — called on a victim tenant's real ids (environment,
/// service, stack, host, registration token, member, key) with a foreign tenant's key, a foreign
/// host's credential, the victim's own host credential (on tenant routes), a key the victim
/// scoped to another of its environments (on that environment's routes), a revoked key, no key
/// and (for mutations) a read-only key: never a 2xx, never the victim's data, and the victim's
/// state unchanged. The one 2xx allowed: a foreign caller on a route that names no resource
/// (listing or creating in its own tenant, an agent reading its own plan), which must still
/// show none of the victim's data. Reads go first, so the attacker's own audit log cannot
/// echo back ids the test itself put in the attacker's paths.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class AuthorizationMatrixTests(SelfHostedControlPlane controlPlane)
{
    /// <summary>Functions open without a key, each authenticating by other means or serving nothing secret.</summary>
    private static readonly HashSet<string> Anonymous = ["RegisterHost", "InstallScript", "AgentDownload", "OpenApiDescription"];

    private sealed record Route(string Name, string Method, string Path, Audience Audience);

    private static List<Route> Routes()
    {
        var methods = FunctionCatalog.Discover(SelfHostApp.FunctionsAssembly).ToDictionary(f => f.Name, f => f.Method);
        var routes = new List<Route>();
        foreach (var function in FunctionMetadata.Generated())
        {
            if (function.HttpTrigger is { } trigger)
            {
                routes.Add(new Route(
                    function.Name,
                    trigger.Methods[0].ToUpperInvariant(),
                    trigger.Route ?? throw new InvalidOperationException($"{function.Name}'s HTTP trigger has no route"),
                    methods[function.Name].GetCustomAttribute<AccessAttribute>()!.Audience));
            }
        }
        return routes;
    }

    [Fact]
    public async Task No_route_lets_a_foreign_revoked_missing_or_read_only_key_through()
    {
        var victim = await Tenant.CreateAsync(controlPlane, "victim");
        var attacker = await Tenant.CreateAsync(controlPlane, "attacker");
        using var owner = victim.Client(controlPlane);
        var envId = await owner.CreateEnvironmentAsync("prod");
        var serviceId = (await owner.CreateServiceAsync(envId, new { name = "web", image = "busybox", scale = 1 })).Id;
        var stackId = (await Api.OkAsync<StackView>(await owner.PostAsync($"environments/{envId}/stacks", new { name = "shop", compose = "services:\n  db:\n    image: postgres\n" }))).Id;
        var readOnly = await victim.MemberWithKeyAsync(controlPlane, "read-only");
        var revoked = await victim.MemberWithKeyAsync(controlPlane, "member");
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"apiKeys/{revoked.KeyId}")).StatusCode);
        var host = await owner.RegisterHostAsync(envId, "victim-host");
        var tokenId = (await owner.CreateTokenAsync(envId)).Id;
        var otherEnvId = await owner.CreateEnvironmentAsync("staging");
        var scopedElsewhere = await victim.MemberWithKeyAsync(controlPlane, "owner", otherEnvId);
        using var attackerOwner = attacker.Client(controlPlane);
        var attackerHost = await attackerOwner.RegisterHostAsync(await attackerOwner.CreateEnvironmentAsync("mine"), "attacker-host");
        var secrets = new[] { envId, serviceId, stackId, readOnly.MemberId, readOnly.KeyId, victim.Id, host.HostId, tokenId };
        var values = new Dictionary<string, string>
        {
            ["envId"] = envId, ["serviceId"] = serviceId, ["memberId"] = readOnly.MemberId, ["keyId"] = readOnly.KeyId, ["hostId"] = host.HostId, ["stackId"] = stackId,
            ["tokenId"] = tokenId,
        };

        var routes = Routes();
        Assert.True(routes.Count >= 20, $"only {routes.Count} HTTP functions found");
        Assert.Equal(Anonymous.Order(), routes.Where(r => r.Audience == Audience.Anonymous).Select(r => r.Name).Order());
        // Each caller, and the routes it is tried on: a foreign caller gets every route; the victim's
        // own host only those for keys, and its key scoped to staging only those of prod.
        var callers = new List<(string Who, string? Key, bool MutationsOnly, Func<Route, bool> Tried)>
        {
            ("foreign tenant owner", attacker.OwnerKey, false, _ => true),
            ("foreign host", attackerHost.Credential, false, _ => true),
            ("the victim's host, on a tenant route", host.Credential, false, r => r.Audience == Audience.Tenant),
            ("a key scoped to another environment", scopedElsewhere.Key, false, r => r.Path.Contains("{envId}", StringComparison.Ordinal)),
            ("revoked key", revoked.Key, false, _ => true),
            ("no key", null, false, _ => true),
            ("read-only key", readOnly.Key, true, _ => true),
        };
        var failures = new List<string>();
        foreach (var route in routes.Where(r => r.Audience != Audience.Anonymous).OrderBy(r => r.Method != "GET"))
        {
            var path = System.Text.RegularExpressions.Regex.Replace(route.Path, @"\{(\w+)\}", m => values.GetValueOrDefault(m.Groups[1].Value, "xnothing"));
            foreach (var (who, key, mutationsOnly, tried) in callers)
            {
                if (mutationsOnly && route.Method == "GET" || !tried(route))
                {
                    continue;
                }
                using var http = new HttpClient { BaseAddress = new Uri(controlPlane.Url + "/") };
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
                if (key is not null)
                {
                    request.Headers.Authorization = new("Bearer", key);
                }
                if (route.Method is "POST" or "PATCH" or "PUT")
                {
                    request.Content = new StringContent("""{"name":"pwned","scale":0,"role":"owner"}""", Encoding.UTF8, "application/json");
                }
                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                var ownScope = who.StartsWith("foreign", StringComparison.Ordinal) && !route.Path.Contains('{', StringComparison.Ordinal);
                if (response.IsSuccessStatusCode && !ownScope)
                {
                    failures.Add($"{route.Method} {path} as {who}: {(int)response.StatusCode}");
                }
                if (secrets.FirstOrDefault(s => body.Contains(s, StringComparison.Ordinal)) is { } leaked && !path.Contains(leaked, StringComparison.Ordinal))
                {
                    failures.Add($"{route.Method} {path} as {who}: body leaks {leaked}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));

        // And nothing changed: the service, the member and the key are as they were.
        var service = await owner.ServiceAsync(envId, serviceId);
        Assert.Equal(1, service.Scale);
        Assert.Equal("db", (await owner.GetOkAsync<StackView>($"environments/{envId}/stacks/{stackId}")).Services[0].Spec.Name);
        Assert.Contains(await owner.ItemsAsync<MemberView>("members"), m => m.Id == readOnly.MemberId && m.Role == "read-only");
        Assert.Null((await owner.ItemsAsync<ApiKeyView>("apiKeys")).Single(k => k.Id == readOnly.KeyId).RevokedAt);
        Assert.Equal("active", (await owner.GetOkAsync<HostDetails>($"environments/{envId}/hosts/{host.HostId}")).State);
        Assert.Contains(await owner.ItemsAsync<RegistrationTokenView>($"environments/{envId}/registrationTokens"), t => t.Id == tokenId && t.RevokedAt is null);
    }
}
