namespace Rancher.Cloud.ControlPlane.Acme;

/// <summary>An HTTP-01 challenge: the directory asks <c>http://Hostname/.well-known/acme-challenge/Token</c> for <see cref="KeyAuthorization"/>.</summary>
public sealed record AcmeChallenge(string Hostname, string Token, string KeyAuthorization);

/// <summary>An order the ACME directory (or the client) refused, with what it said.</summary>
public sealed class AcmeOrderFailedException(string message) : Exception(message);
