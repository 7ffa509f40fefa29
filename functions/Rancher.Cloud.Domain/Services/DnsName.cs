namespace Rancher.Cloud.Domain.Services;

/// <summary>
/// A DNS name as a resolver's search list, a hosts file or a CNAME answer takes it: labels of
/// letters, digits and '-', each 1 to 63 characters, 253 in all.
/// </summary>
public static class DnsName
{
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 253 && name.Split('.').All(l => l.Length is > 0 and <= 63 && l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
}
