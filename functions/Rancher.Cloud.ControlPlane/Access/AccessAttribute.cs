using Microsoft.AspNetCore.Http;
using Rancher.Cloud.Domain.Access;

namespace Rancher.Cloud.ControlPlane.Access;

/// <summary>Who may call an HTTP function. Every HTTP function declares one; none means refused.</summary>
public enum Audience
{
    /// <summary>Anyone; the function authenticates by other means (a registration token).</summary>
    Anonymous,

    /// <summary>Holders of a tenant API key.</summary>
    Tenant,

    /// <summary>Agents, with their host credential.</summary>
    Agent,

    /// <summary>The SaaS operator, with the admin key.</summary>
    Operator,
}

/// <summary>Declares the audience of an HTTP function; read by the request gate of either host.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AccessAttribute(Audience audience) : Attribute
{
    public Audience Audience { get; } = audience;

    /// <summary>
    /// What a tenant caller's role must allow. Unset: reads (GET) need <see cref="Permission.Read"/>,
    /// everything else <see cref="Permission.Write"/>.
    /// </summary>
    public Permission Needs { get; init; } = (Permission)(-1);

    /// <summary>Whether an environment-scoped key may call this function although its route names no environment.</summary>
    public bool OpenToEnvironmentKeys { get; init; }

    public Permission NeedsFor(string method) =>
        Enum.IsDefined(Needs) ? Needs : HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? Permission.Read : Permission.Write;
}
