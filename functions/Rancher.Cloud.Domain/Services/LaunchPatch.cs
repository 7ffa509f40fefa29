using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Services;

/// <summary>
/// A PATCH's launch fields applied to a service's spec. Each field is checked exactly as a new
/// service's would be (the patched fields go through <see cref="ServiceSpec.From"/> together with
/// the rest of the spec), so a field refused at creation is refused here by the same name.
/// </summary>
public static class LaunchPatch
{
    /// <summary>The spec with the patch's launch fields, or null with the errors by field.</summary>
    public static ServiceSpec? Apply(ServiceSpec spec, ServicePatch patch, FieldErrors errors)
    {
        if (!patch.ChangesLaunch)
        {
            return spec;
        }
        if (spec.Balancer is not null || spec.Alias is not null || spec.External is not null)
        {
            errors.Add(patch.LaunchFields[0], spec.Balancer is not null
                ? "a balancer's containers are the environment's balancer image; change its rules with loadBalancer"
                : "an alias or external service runs no containers");
            return null;
        }
        // Checked in a draft of the whole service: cross-field rules (network mode and ports,
        // reservations and limits) see the patched fields together with the kept ones.
        var draft = new ServiceDraft
        {
            Name = spec.Name,
            Image = patch.Image ?? spec.Image,
            Command = patch.Command,
            Entrypoint = patch.Entrypoint,
            Environment = patch.Environment,
            Ports = patch.Ports,
            Labels = patch.Labels,
            Volumes = patch.Volumes,
            HealthCheck = patch.HealthCheck,
            Restart = patch.Restart,
            User = patch.User,
            Hostname = patch.Hostname,
            StopSignal = patch.StopSignal,
            Limits = patch.Limits,
            Run = patch.Run,
        };
        var checkedSpec = ServiceSpec.From(draft);
        if (checkedSpec.Failure is { Fields: { } refused })
        {
            foreach (var (field, reasons) in refused.ToDictionary())
            {
                foreach (var reason in reasons)
                {
                    errors.Add(field, reason);
                }
            }
            return null;
        }
        var given = checkedSpec.Value.Spec;
        var patched = spec with
        {
            Image = given.Image,
            Command = patch.Command is null ? spec.Command : given.Command,
            Entrypoint = patch.Entrypoint is null ? spec.Entrypoint : given.Entrypoint,
            Environment = patch.Environment is null ? spec.Environment : given.Environment,
            Ports = patch.Ports is null ? spec.Ports : given.Ports,
            Labels = patch.Labels is null ? spec.Labels : given.Labels,
            Volumes = patch.Volumes is null ? spec.Volumes : given.Volumes,
            HealthCheck = patch.HealthCheck is null ? spec.HealthCheck : given.HealthCheck,
            Restart = patch.Restart is null ? spec.Restart : given.Restart,
            User = patch.User is null ? spec.User : given.User,
            Hostname = patch.Hostname is null ? spec.Hostname : given.Hostname,
            StopSignal = patch.StopSignal is null ? spec.StopSignal : given.StopSignal,
            Limits = patch.Limits is null ? spec.Limits : given.Limits,
            Run = patch.Run is null ? spec.Run : given.Run,
        };
        ServiceSpec.CheckTogether(patched, errors);
        if (ServiceSpec.TooLargeToStore(patched) is { } tooLarge)
        {
            errors.Add("body", tooLarge);
        }
        return errors.IsEmpty ? patched : null;
    }
}
