namespace Rancher.Cloud.Domain.Services;

/// <summary>A service of an environment: a spec, how many instances of it to run, and whether it is being deleted.</summary>
public sealed record Service(string Id, ServiceSpec Spec, int Scale, DateTimeOffset CreatedAt, bool Deleting = false);
