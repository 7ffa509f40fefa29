using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.Domain.Access;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.ControlPlane.Tenancy;

/// <summary>
/// Creating, listing and revoking API keys. A key acts for a member and never carries more
/// than that member's role; anyone may manage their own keys, owners manage everyone's.
/// </summary>
public sealed class ApiKeysService(ApiKeys keys, MembersService members, EnvironmentsService environments)
{
    public async Task<Outcome<ApiKeyCreated>> CreateAsync(TenantCaller caller, CreateApiKeyRequest request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var name = string.IsNullOrWhiteSpace(request.Name) ? "api key" : request.Name.Trim();
        if (name.Length > 200 || name.Any(char.IsControl))
        {
            errors.Add("name", "must be at most 200 printable characters");
        }
        var memberId = request.MemberId ?? caller.MemberId;
        var requested = request.Role is null ? (Role?)null : Roles.Check(request.Role, "role", errors);
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        if (memberId != caller.MemberId && !Roles.Allows(caller.Role, Permission.Manage))
        {
            return new Failure(FailureKind.Forbidden, "Only owners create keys for other members.");
        }
        if (memberId == MembersService.AdminMember && caller.MemberId != MembersService.AdminMember)
        {
            // The operator's admin is no listed member: a key for it could be neither seen nor removed.
            return Failure.Invalid("memberId", "is not a member of this tenant");
        }
        if (await members.RoleOfAsync(caller.TenantId, memberId, ct) is not { } memberRole)
        {
            return Failure.Invalid("memberId", "is not a member of this tenant");
        }
        var ceiling = Roles.Lower(memberRole, caller.Role);
        var role = requested ?? ceiling;
        if (role > ceiling)
        {
            return Failure.Invalid("role", $"cannot exceed '{Roles.NameOf(ceiling)}', the most this key's member and its creator hold");
        }
        if (request.EnvironmentId is { } envId && (await environments.GetAsync(caller, envId, ct)).Failure is not null)
        {
            return Failure.Invalid("environmentId", "is not an environment of this tenant");
        }
        return await keys.IssueAsync(caller.TenantId, memberId, name, role, request.EnvironmentId, ct);
    }

    public async Task<List<ApiKeyView>> ListAsync(TenantCaller caller, CancellationToken ct) =>
        (await keys.ListAsync(caller.TenantId, ct))
            .Where(k => Roles.Allows(caller.Role, Permission.Manage) || k.MemberId == caller.MemberId)
            .OrderBy(k => k.CreatedAt)
            .ToList();

    public async Task<Outcome<bool>> RevokeAsync(TenantCaller caller, string keyId, CancellationToken ct)
    {
        var key = await keys.GetAsync(caller.TenantId, keyId, ct);
        // Another member's key reads as not found to a non-owner: its existence is not theirs to know.
        if (key is null || (key.MemberId != caller.MemberId && !Roles.Allows(caller.Role, Permission.Manage)))
        {
            return Failure.NotFound("The API key");
        }
        await keys.RevokeAsync(caller.TenantId, keyId, ct);
        return true;
    }
}
