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
}

/// <summary>Declares the audience of an HTTP function; read by the request gate of either host.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AccessAttribute(Audience audience) : Attribute
{
    public Audience Audience { get; } = audience;
}
