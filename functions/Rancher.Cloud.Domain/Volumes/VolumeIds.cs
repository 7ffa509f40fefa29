using System.Security.Cryptography;
using System.Text;

namespace Rancher.Cloud.Domain.Volumes;

/// <summary>
/// A volume's id: derived from its host and name, so the same volume keeps its id across reports
/// and a volume of the same name on another host is another volume.
/// </summary>
public static class VolumeIds
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string Of(string hostId, string name)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{hostId}/{name}"));
        var id = new char[13];
        id[0] = 'v';
        for (var i = 0; i < 12; i++)
        {
            id[i + 1] = Alphabet[digest[i] & 31];
        }
        return new string(id);
    }
}
