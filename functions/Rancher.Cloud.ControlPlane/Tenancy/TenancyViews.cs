namespace Rancher.Cloud.ControlPlane.Tenancy;

public sealed record CreateTenantRequest([property: Rancher.Cloud.Contracts.Limit(63)] string? Name);

/// <summary>A new tenant and its owner's key, shown this once.</summary>
public sealed record TenantCreated(string Id, string Name, string OwnerKey, DateTimeOffset CreatedAt);

public sealed record TenantView(string Id, string Name, DateTimeOffset CreatedAt);

public sealed record CreateMemberRequest([property: Rancher.Cloud.Contracts.Limit(200)] string? Name, string? Role);

public sealed record PatchMemberRequest(string? Role);

public sealed record MemberView(string Id, string Name, string Role, DateTimeOffset CreatedAt);

public sealed record CreateApiKeyRequest([property: Rancher.Cloud.Contracts.Limit(200)] string? Name, string? Role, [property: Rancher.Cloud.Contracts.Limit(64)] string? EnvironmentId, [property: Rancher.Cloud.Contracts.Limit(64)] string? MemberId);

/// <summary>An API key as listed: never its secret.</summary>
public sealed record ApiKeyView(string Id, string Name, string MemberId, string Role, string? EnvironmentId, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A new API key with its secret, shown this once.</summary>
public sealed record ApiKeyCreated(string Id, string Name, string MemberId, string Role, string? EnvironmentId, DateTimeOffset CreatedAt, string Key);

/// <summary>One audited mutation.</summary>
public sealed record AuditEntry(
    string Id, DateTimeOffset At, string Actor, string MemberId, string Action, string Method, string Target, int Status, string? ClientAddress);
