namespace Rancher.Cloud.ControlPlane.Access;

/// <summary>Who made a request, once authenticated. Every read and write is scoped by it.</summary>
public abstract record Caller(string TenantId);

/// <summary>A person or integration holding an API key of a tenant.</summary>
public sealed record TenantCaller(string TenantId, string KeyId) : Caller(TenantId);

/// <summary>An agent holding the credential of exactly one host.</summary>
public sealed record HostCaller(string TenantId, string EnvironmentId, string HostId) : Caller(TenantId);
