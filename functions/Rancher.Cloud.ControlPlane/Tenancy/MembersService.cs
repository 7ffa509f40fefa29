using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Access;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Reconcile;

namespace Rancher.Cloud.ControlPlane.Tenancy;

/// <summary>
/// Members of a tenant and their roles. Lowering a member's role lowers their keys; removing
/// a member revokes them. A tenant always keeps at least one owner.
/// </summary>
public sealed class MembersService(Tables tables, ApiKeys keys, IIdGenerator ids, TimeProvider clock)
{
    /// <summary>The member the operator's admin key acts as in the operator's own tenant.</summary>
    public const string AdminMember = "admin";

    public static TableEntity Row(string tenantId, string memberId, string name, Role role, DateTimeOffset at) =>
        new(tenantId, memberId) { ["Name"] = name, ["Role"] = Roles.NameOf(role), ["CreatedAt"] = at };

    public async Task<Outcome<MemberView>> CreateAsync(TenantCaller caller, CreateMemberRequest request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var name = CheckName(request.Name, errors);
        var role = Roles.Check(request.Role, "role", errors);
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        var row = Row(caller.TenantId, ids.NewId('m'), name!, role!.Value, clock.GetUtcNow());
        await tables.Members.AddEntityAsync(row, ct);
        return ToView(row);
    }

    public async Task<List<MemberView>> ListAsync(TenantCaller caller, CancellationToken ct)
    {
        var members = new List<MemberView>();
        await foreach (var row in tables.Members.QueryAsync<TableEntity>(r => r.PartitionKey == caller.TenantId, cancellationToken: ct))
        {
            members.Add(ToView(row));
        }
        return members.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The member's role; the admin acts as owner of its own tenant.</summary>
    public async Task<Role?> RoleOfAsync(string tenantId, string memberId, CancellationToken ct) =>
        memberId == AdminMember ? Role.Owner : await FindAsync(tenantId, memberId, ct) is { } row ? ParseRole(row) : null;

    public async Task<Outcome<MemberView>> ChangeRoleAsync(TenantCaller caller, string memberId, PatchMemberRequest request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var role = Roles.Check(request.Role, "role", errors);
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        if (await FindAsync(caller.TenantId, memberId, ct) is not { } row)
        {
            return Failure.NotFound("The member");
        }
        if (ParseRole(row) == Role.Owner && role != Role.Owner && await OwnersAsync(caller.TenantId, ct) <= 1)
        {
            return Failure.Conflict("The tenant's last owner cannot be demoted; make another member owner first.");
        }
        row["Role"] = Roles.NameOf(role!.Value);
        await tables.Members.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct);
        await keys.CapMemberAsync(caller.TenantId, memberId, role, ct);
        return ToView(row);
    }

    public async Task<Outcome<bool>> RemoveAsync(TenantCaller caller, string memberId, CancellationToken ct)
    {
        if (await FindAsync(caller.TenantId, memberId, ct) is not { } row)
        {
            return Failure.NotFound("The member");
        }
        if (ParseRole(row) == Role.Owner && await OwnersAsync(caller.TenantId, ct) <= 1)
        {
            return Failure.Conflict("The tenant's last owner cannot be removed.");
        }
        // Keys first: a member half-removed has no working keys, never the reverse.
        await keys.CapMemberAsync(caller.TenantId, memberId, null, ct);
        await tables.Members.DeleteEntityAsync(caller.TenantId, memberId, cancellationToken: ct);
        return true;
    }

    private async Task<int> OwnersAsync(string tenantId, CancellationToken ct)
    {
        var owners = 0;
        await foreach (var row in tables.Members.QueryAsync<TableEntity>(r => r.PartitionKey == tenantId, cancellationToken: ct))
        {
            owners += ParseRole(row) == Role.Owner ? 1 : 0;
        }
        return owners;
    }

    private async Task<TableEntity?> FindAsync(string tenantId, string memberId, CancellationToken ct) =>
        RandomIds.IsWellFormed(memberId) ? await tables.Members.FindAsync(tenantId, memberId, ct) : null;

    private static string? CheckName(string? name, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add("name", "is required");
            return null;
        }
        if (name.Length > 200 || name.Any(char.IsControl))
        {
            errors.Add("name", "must be at most 200 printable characters");
            return null;
        }
        return name.Trim();
    }

    private static Role ParseRole(TableEntity row) => Roles.Parse(row.GetString("Role")) ?? Role.ReadOnly;

    private static MemberView ToView(TableEntity row) =>
        new(row.RowKey, row.GetString("Name"), row.GetString("Role"), row.GetDateTimeOffset("CreatedAt") ?? default);
}
