using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.ControlPlane.Tenancy;
using Rancher.Cloud.Domain.Access;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Members of the caller's tenant and their roles; owners manage them.
/// POST v1/members · GET v1/members · PATCH v1/members/{memberId} · DELETE v1/members/{memberId}
/// </summary>
public sealed class MembersApi(MembersService members)
{
    [Function(nameof(CreateMember))]
    [Access(Audience.Tenant, Needs = Permission.Manage)]
    [Operation("Add a member with a role (owners only)", Body = typeof(CreateMemberRequest), Response = typeof(MemberView), Status = 201)]
    public async Task<IResult> CreateMember(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/members")] HttpRequest req, CancellationToken ct) =>
        await ApiResults.CreatedAsync(req, (CreateMemberRequest b) => members.CreateAsync(req.Tenant(), b, ct), ct);

    [Function(nameof(ListMembers))]
    [Access(Audience.Tenant)]
    [Operation("List members and their roles", Response = typeof(Page<MemberView>), Paged = true)]
    public async Task<IResult> ListMembers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/members")] HttpRequest req, CancellationToken ct) =>
        ApiResults.Page(await members.ListAsync(req.Tenant(), ct), req);

    [Function(nameof(ChangeMemberRole))]
    [Access(Audience.Tenant, Needs = Permission.Manage)]
    [Operation("Change a member's role (owners only); their keys follow", Body = typeof(PatchMemberRequest), Response = typeof(MemberView))]
    public async Task<IResult> ChangeMemberRole(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/v1/members/{memberId}")] HttpRequest req, string memberId, CancellationToken ct) =>
        await ApiResults.OkAsync(req, (PatchMemberRequest b) => members.ChangeRoleAsync(req.Tenant(), memberId, b, ct), ct);

    [Function(nameof(RemoveMember))]
    [Access(Audience.Tenant, Needs = Permission.Manage)]
    [Operation("Remove a member (owners only); their keys are revoked", Status = 204)]
    public async Task<IResult> RemoveMember(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/v1/members/{memberId}")] HttpRequest req, string memberId, CancellationToken ct) =>
        ApiResults.From(await members.RemoveAsync(req.Tenant(), memberId, ct), _ => Results.NoContent());
}
