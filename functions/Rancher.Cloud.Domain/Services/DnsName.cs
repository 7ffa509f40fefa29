namespace Rancher.Cloud.Domain.Services;

/// <summary>
/// A DNS name as a resolver's search list, a hosts file or a CNAME answer takes it: labels of
/// letters, digits, '-' and '_' (hosts files and SRV-style names use it), each 1 to 63
/// characters, 253 in all, written fully qualified (a final dot) or not.
/// </summary>
public static class DnsName
{
    public static bool IsValid(string name)
    {
        var relative = name.Length > 1 && name.EndsWith('.') ? name[..^1] : name;
        return relative.Length is > 0 and <= 253
            && relative.Split('.').All(l => l.Length is > 0 and <= 63 && l.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
    }
}
