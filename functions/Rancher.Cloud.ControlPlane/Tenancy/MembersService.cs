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
            if (!GuardRow.IsGuard(row.RowKey) && row.GetBoolean(Leaving) != true)
            {
                members.Add(ToView(row));
            }
        }
        return members.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The member's role; the admin acts as owner of its own tenant and is no member of any other.</summary>
    public async Task<Role?> RoleOfAsync(string tenantId, string memberId, CancellationToken ct) =>
        memberId == AdminMember ? (tenantId == RequestGate.DefaultTenant ? Role.Owner : null)
        : await FindAsync(tenantId, memberId, ct) is { } row ? ParseRole(row) : null;

    public async Task<Outcome<MemberView>> ChangeRoleAsync(TenantCaller caller, string memberId, PatchMemberRequest request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var role = Roles.Check(request.Role, "role", errors);
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        var changed = await Contention.RetryAsync<MemberView>(async () =>
        {
            if (await FindAsync(caller.TenantId, memberId, ct) is not { } row)
            {
                return Failure.NotFound("The member");
            }
            var demotion = ParseRole(row) == Role.Owner && role != Role.Owner;
            row["Role"] = Roles.NameOf(role!.Value);
            var written = await WriteKeepingAnOwnerAsync(
                caller.TenantId, new(TableTransactionActionType.UpdateReplace, row, row.ETag), demotion,
                "The tenant's last owner cannot be demoted; make another member owner first.", ct);
            return written.Failure is { } refused ? refused : ToView(row);
        }, "The member", ct);
        if (changed.Failure is null)
        {
            await keys.CapMemberAsync(caller.TenantId, memberId, role, ct);
        }
        return changed;
    }

    /// <summary>
    /// Removal in three steps, each safe to repeat: the member is marked leaving (and stops counting
    /// as an owner, under the owners guard), its keys are revoked, then its row goes. A crash in
    /// between leaves a leaving member that a repeated DELETE finishes.
    /// </summary>
    public async Task<Outcome<bool>> RemoveAsync(TenantCaller caller, string memberId, CancellationToken ct)
    {
        var marked = await Contention.RetryAsync<bool>(async () =>
        {
            if (await FindAsync(caller.TenantId, memberId, ct, includeLeaving: true) is not { } row)
            {
                return Failure.NotFound("The member");
            }
            if (row.GetBoolean(Leaving) == true)
            {
                return true;
            }
            return await WriteKeepingAnOwnerAsync(
                caller.TenantId,
                new(TableTransactionActionType.UpdateMerge, new TableEntity(caller.TenantId, memberId) { [Leaving] = true }, row.ETag),
                ParseRole(row) == Role.Owner, "The tenant's last owner cannot be removed.", ct);
        }, "The member", ct);
        if (marked.Failure is not null)
        {
            return marked;
        }
        await keys.CapMemberAsync(caller.TenantId, memberId, null, ct);
        await tables.Members.DeleteEntityAsync(caller.TenantId, memberId, cancellationToken: ct);
        return true;
    }

    private const string Leaving = "Leaving";

    /// <summary>
    /// Writes a member's row; when the write takes an owner away, only together with the owners
    /// guard, after counting the owners that remain. Two owners demoting each other at once both
    /// count two, but only one commits: the other's guard claim fails and it counts again.
    /// </summary>
    private async Task<Outcome<bool>> WriteKeepingAnOwnerAsync(
        string tenantId, TableTransactionAction write, bool losesAnOwner, string lastOwner, CancellationToken ct)
    {
        List<TableTransactionAction> actions = [write];
        if (losesAnOwner)
        {
            var guard = await GuardRow.ReadAsync(tables.Members, tenantId, OwnersGuard, ct);
            if (await OwnersAsync(tenantId, ct) <= 1)
            {
                return Failure.Conflict(lastOwner);
            }
            actions.Add(GuardRow.Claim(tenantId, OwnersGuard, guard));
        }
        await tables.Members.SubmitTransactionAsync(actions, ct);
        return true;
    }

    private const string OwnersGuard = "~owners";

    private async Task<int> OwnersAsync(string tenantId, CancellationToken ct)
    {
        var owners = 0;
        await foreach (var row in tables.Members.QueryAsync<TableEntity>(r => r.PartitionKey == tenantId, cancellationToken: ct))
        {
            owners += !GuardRow.IsGuard(row.RowKey) && row.GetBoolean(Leaving) != true && ParseRole(row) == Role.Owner ? 1 : 0;
        }
        return owners;
    }

    /// <summary>A member's row; one that is leaving only when asked for, to finish its removal.</summary>
    private async Task<TableEntity?> FindAsync(string tenantId, string memberId, CancellationToken ct, bool includeLeaving = false) =>
        RandomIds.IsWellFormed(memberId) && await tables.Members.FindAsync(tenantId, memberId, ct) is { } row
        && (includeLeaving || row.GetBoolean(Leaving) != true)
            ? row
            : null;

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
