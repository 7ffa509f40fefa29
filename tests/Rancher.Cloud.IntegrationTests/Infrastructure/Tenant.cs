using Rancher.Cloud.ControlPlane.Tenancy;

namespace Rancher.Cloud.IntegrationTests.Infrastructure;

/// <summary>A tenant created through the operator API, with its owner's key.</summary>
public sealed record Tenant(string Id, string OwnerKey)
{
    public static async Task<Tenant> CreateAsync(SelfHostedControlPlane controlPlane, string prefix)
    {
        using var admin = controlPlane.Admin();
        var created = await Api.OkAsync<TenantCreated>(await admin.PostAsync("tenants", new { name = $"{prefix}-{Guid.NewGuid():N}"[..24] }));
        return new Tenant(created.Id, created.OwnerKey);
    }

    public Api Client(SelfHostedControlPlane controlPlane) => new(controlPlane.Url, OwnerKey);

    /// <summary>A new member with <paramref name="role"/> and a key of theirs.</summary>
    public async Task<(string MemberId, string KeyId, string Key)> MemberWithKeyAsync(SelfHostedControlPlane controlPlane, string role, string? environmentId = null)
    {
        using var owner = Client(controlPlane);
        var member = await Api.OkAsync<MemberView>(await owner.PostAsync("members", new { name = $"{role} person", role }));
        var key = await Api.OkAsync<ApiKeyCreated>(await owner.PostAsync("apiKeys", new { name = $"{role} key", memberId = member.Id, environmentId }));
        return (member.Id, key.Id, key.Key);
    }
}
