namespace Rancher.Cloud.Domain.Access;

/// <summary>
/// A member's role in a tenant, as Rancher 1.6 defined environment roles: owners manage
/// members and keys, members change everything else, read-only members only look.
/// </summary>
public enum Role
{
    ReadOnly = 0,
    Member = 1,
    Owner = 2,
}

/// <summary>What an operation needs from the caller's role.</summary>
public enum Permission
{
    /// <summary>Look at anything in scope.</summary>
    Read,

    /// <summary>Change environments, hosts, services, tokens; manage one's own keys.</summary>
    Write,

    /// <summary>Manage members and other members' keys.</summary>
    Manage,
}

/// <summary>Role names on the wire, and what each role allows.</summary>
public static class Roles
{
    public static bool Allows(Role role, Permission permission) => permission switch
    {
        Permission.Read => true,
        Permission.Write => role >= Role.Member,
        Permission.Manage => role == Role.Owner,
        _ => false,
    };

    public static string NameOf(Role role) => role switch
    {
        Role.Owner => "owner",
        Role.Member => "member",
        _ => "read-only",
    };

    /// <summary>The role a wire name stands for; null for anything else.</summary>
    public static Role? Parse(string? name) => name switch
    {
        "owner" => Role.Owner,
        "member" => Role.Member,
        "read-only" => Role.ReadOnly,
        _ => null,
    };

    /// <summary>Parses a wire name; records a field error when it is not one.</summary>
    public static Role? Check(string? name, string field, Errors.FieldErrors errors)
    {
        var role = Parse(name);
        if (role is null)
        {
            errors.Add(field, "must be 'owner', 'member' or 'read-only'");
        }
        return role;
    }

    /// <summary>The weaker of two roles: a key never grants more than its member holds.</summary>
    public static Role Lower(Role a, Role b) => a < b ? a : b;
}
