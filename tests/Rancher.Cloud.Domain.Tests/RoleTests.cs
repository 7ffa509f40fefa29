using Rancher.Cloud.Domain.Access;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Tests;

public sealed class RoleTests
{
    [Theory]
    [InlineData(Role.ReadOnly, Permission.Read, true)]
    [InlineData(Role.ReadOnly, Permission.Write, false)]
    [InlineData(Role.ReadOnly, Permission.Manage, false)]
    [InlineData(Role.Member, Permission.Write, true)]
    [InlineData(Role.Member, Permission.Manage, false)]
    [InlineData(Role.Owner, Permission.Manage, true)]
    public void Each_role_allows_what_rancher_1_6_allowed(Role role, Permission permission, bool allowed) =>
        Assert.Equal(allowed, Roles.Allows(role, permission));

    [Theory]
    [InlineData("owner", Role.Owner)]
    [InlineData("member", Role.Member)]
    [InlineData("read-only", Role.ReadOnly)]
    public void Wire_names_round_trip(string name, Role role)
    {
        Assert.Equal(role, Roles.Check(name, "role", new FieldErrors()));
        Assert.Equal(name, Roles.NameOf(role));
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("Owner")]
    [InlineData(null)]
    public void Unknown_role_names_are_refused_on_the_field(string? name)
    {
        var errors = new FieldErrors();
        Assert.Null(Roles.Check(name, "role", errors));
        Assert.True(errors.ToDictionary().ContainsKey("role"));
    }

    [Fact]
    public void A_key_never_outranks_its_member() =>
        Assert.Equal(Role.Member, Roles.Lower(Role.Owner, Role.Member));
}
