using System.Net;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>Registration tokens: listed without secrets, rotated and revoked; registration retried is one host.</summary>
[Collection(SystemCollection.Name)]
public sealed class RegistrationTokenTests(SelfHostedControlPlane controlPlane)
{
    private static readonly HostFacts Facts = new("token-host", "20.10.24", 2, 1L << 30, "Debian", "x86_64");

    [Fact]
    public async Task Tokens_are_listed_without_secrets_and_rotation_or_revocation_stops_the_old_one()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"tokens-{Guid.NewGuid():N}"[..20]);
        var first = await api.CreateTokenAsync(envId);
        var firstToken = first.Token;

        // Read as sent as well: a secret in a field the view does not declare would not show in the typed read.
        var list = await Api.OkTextAsync(await api.GetAsync($"environments/{envId}/registrationTokens"));
        var listed = Assert.Single(Api.Read<Page<RegistrationTokenView>>(list).Items);
        Assert.Equal(first.Id, listed.Id);
        Assert.DoesNotContain(firstToken.Split('.')[^1], list, StringComparison.Ordinal);

        var rotated = await Api.OkAsync<RegistrationTokenCreated>(await api.PostAsync($"environments/{envId}/registrationTokens/{first.Id}/rotate"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.PostAsync("agent/register", new RegistrationRequest(firstToken, Facts))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsync("agent/register", new RegistrationRequest(rotated.Token, Facts))).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"environments/{envId}/registrationTokens/{rotated.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.PostAsync("agent/register", new RegistrationRequest(rotated.Token, Facts))).StatusCode);
        var tokens = await api.ItemsAsync<RegistrationTokenView>($"environments/{envId}/registrationTokens");
        Assert.All(tokens, t => Assert.NotNull(t.RevokedAt));
    }

    [Fact]
    public async Task A_registration_retried_with_its_registration_id_is_the_same_host_with_only_the_newest_credential()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"retry-{Guid.NewGuid():N}"[..20]);
        var token = (await api.CreateTokenAsync(envId)).Token;
        var request = new RegistrationRequest(token, Facts) { RegistrationId = Guid.NewGuid().ToString("N") };

        var first = await Api.OkAsync<RegistrationResponse>(await api.PostAsync("agent/register", request));
        var again = await Api.OkAsync<RegistrationResponse>(await api.PostAsync("agent/register", request));

        Assert.Equal(first.HostId, again.HostId);
        Assert.Single(await api.ItemsAsync<HostDetails>($"environments/{envId}/hosts"));
        using var asFirst = new Api(controlPlane.Url, first.Credential);
        using var asAgain = new Api(controlPlane.Url, again.Credential);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asFirst.GetAsync("agent/plan")).StatusCode);
        Assert.True((await asAgain.GetAsync("agent/plan")).IsSuccessStatusCode);
    }

    [Fact]
    public async Task A_removed_host_cannot_come_back_by_replaying_its_registration()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"gone-{Guid.NewGuid():N}"[..20]);
        var token = (await api.CreateTokenAsync(envId)).Token;
        var request = new RegistrationRequest(token, Facts) { RegistrationId = Guid.NewGuid().ToString("N") };
        var host = await Api.OkAsync<RegistrationResponse>(await api.PostAsync("agent/register", request));

        await Api.OkAsync<HostDetails>(await api.DeleteAsync($"environments/{envId}/hosts/{host.HostId}"));
        var replay = await api.PostAsync("agent/register", request);

        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Equal("removed", (await api.GetOkAsync<HostDetails>($"environments/{envId}/hosts/{host.HostId}")).State);
    }
}
