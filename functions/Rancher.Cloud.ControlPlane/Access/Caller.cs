using Rancher.Cloud.Domain.Access;

namespace Rancher.Cloud.ControlPlane.Access;

/// <summary>Who made a request, once authenticated. Every read and write is scoped by it.</summary>
public abstract record Caller(string TenantId);

/// <summary>
/// A person or integration holding an API key of a tenant: the member it acts for, the role
/// it carries, and, for an environment key, the one environment it reaches.
/// </summary>
public sealed record TenantCaller(string TenantId, string KeyId, string MemberId, Role Role, string? EnvironmentId = null) : Caller(TenantId)
{
    /// <summary>Whether this caller may see the environment at all (an environment key sees one).</summary>
    public bool Reaches(string environmentId) => EnvironmentId is null || EnvironmentId == environmentId;
}

/// <summary>The SaaS operator, holding the admin key: creates and lists tenants.</summary>
public sealed record OperatorCaller() : Caller("");

/// <summary>An agent holding the credential of exactly one host.</summary>
public sealed record HostCaller(string TenantId, string EnvironmentId, string HostId) : Caller(TenantId);
