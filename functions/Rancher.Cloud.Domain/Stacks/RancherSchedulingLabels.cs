using Rancher.Cloud.Domain.Scheduling;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>
/// Rancher 1.6's scheduling labels, read into placement rules:
/// <c>io.rancher.scheduler.global: 'true'</c>, and
/// <c>io.rancher.scheduler.affinity:host_label[_soft][_ne]: key=value,…</c> and
/// <c>io.rancher.scheduler.affinity:container_label[_soft][_ne]: io.rancher.stack_service.name=stack/service</c>
/// (<c>${stack_name}</c> and <c>${service_name}</c> are replaced, as Rancher did).
/// The labels themselves stay on the service, so the stack exports as it came.
/// </summary>
public static class RancherSchedulingLabels
{
    public const string Global = "io.rancher.scheduler.global";
    private const string Prefix = "io.rancher.scheduler.";
    private const string Affinity = "io.rancher.scheduler.affinity:";

    public static bool IsScheduling(string key) => key.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Adds the rule a label asks for to <paramref name="hostLabels"/> or <paramref name="affinity"/>; a label it does not know is an error.</summary>
    public static void Read(
        string key, string value, ComposeNode at, string stack, string service,
        List<HostLabelRuleDraft?> hostLabels, List<AffinityRuleDraft?> affinity, ref bool? global)
    {
        if (key == Global)
        {
            global = value.Trim() == "true";
            return;
        }
        if (!key.StartsWith(Affinity, StringComparison.Ordinal))
        {
            at.Error($"'{key}' is not a scheduling label the platform knows ({Global}, {Affinity}host_label…, {Affinity}container_label…)");
            return;
        }
        var kind = key[Affinity.Length..];
        var soft = kind.Contains("_soft", StringComparison.Ordinal);
        var notEqual = kind.EndsWith("_ne", StringComparison.Ordinal);
        var subject = kind.Replace("_soft", "", StringComparison.Ordinal).Replace("_ne", "", StringComparison.Ordinal);
        foreach (var pair in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                at.Error($"'{pair}' must be key=value");
                continue;
            }
            var (labelKey, labelValue) = (pair[..equals], pair[(equals + 1)..]);
            switch (subject)
            {
                case "host_label":
                    hostLabels.Add(new HostLabelRuleDraft(labelKey, labelValue, notEqual ? "ne" : "eq", soft));
                    break;
                case "container_label" when labelKey == Contracts.Labels.StackService:
                    var target = labelValue.Replace("${stack_name}", stack, StringComparison.Ordinal).Replace("${service_name}", service, StringComparison.Ordinal);
                    affinity.Add(new AffinityRuleDraft(target, notEqual, soft));
                    break;
                case "container_label":
                    at.Error($"container_label rules must name a service as {Contracts.Labels.StackService}=stack/service");
                    break;
                case "container":
                    at.Error($"container-name rules are not supported; use {Affinity}container_label with {Contracts.Labels.StackService}=stack/service");
                    break;
                default:
                    at.Error($"'{key}' is not a scheduling label the platform knows (host_label, container_label, with _soft and _ne)");
                    return;
            }
        }
    }
}
