using Azure;
using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>The environment's policy as of one read, and the ETag a write that depends on it claims.</summary>
public sealed record PolicyGuard(string Partition, PolicyLevel Level, ETag ETag)
{
    public static async Task<PolicyGuard> ReadAsync(Tables tables, string partition, CancellationToken ct)
    {
        var row = await GuardRow.ReadRowAsync(tables.State, partition, StateRows.PolicyGuard, ct);
        return new PolicyGuard(partition, HostAccessPolicy.Parse(row.GetString("Level")) ?? PolicyLevel.Baseline, row.ETag);
    }

    /// <summary>The transaction step that fails if the policy changed since it was read.</summary>
    public TableTransactionAction Claim() => GuardRow.Claim(Partition, StateRows.PolicyGuard, ETag);

    /// <summary>The refusals <see cref="Level"/> makes of services that share one folder (a stack, or one service).</summary>
    public FieldErrors Refusals(IReadOnlyList<ServiceSpec> specs, Func<int, string> prefix) => RefusalsAt(Level, specs, prefix);

    /// <summary>Whether any of <paramref name="specs"/> needs more than baseline (then its write claims the guard).</summary>
    public static bool NeedsMoreThanBaseline(IReadOnlyList<ServiceSpec> specs) => !RefusalsAt(PolicyLevel.Baseline, specs, _ => "").IsEmpty;

    public static FieldErrors RefusalsAt(PolicyLevel level, IReadOnlyList<ServiceSpec> specs, Func<int, string> prefix)
    {
        var errors = new FieldErrors();
        for (var i = 0; i < specs.Count; i++)
        {
            foreach (var (field, reasons) in HostAccessPolicy.Check(specs[i], level, new FieldErrors()).ToDictionary())
            {
                foreach (var reason in reasons)
                {
                    errors.Add(prefix(i) + field, reason);
                }
            }
        }
        foreach (var (index, field, reason) in HostAccessPolicy.CheckFolder(specs, level))
        {
            errors.Add(prefix(index) + field, reason);
        }
        return errors;
    }
}
