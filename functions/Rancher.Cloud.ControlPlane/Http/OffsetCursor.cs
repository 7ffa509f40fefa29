using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Rancher.Cloud.ControlPlane.Http;

/// <summary>An opaque cursor for lists paged by position. Opaque so it can change without breaking clients.</summary>
public static class OffsetCursor
{
    private const string Prefix = "o1:";

    public static string Write(int offset) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(Prefix + offset.ToString(CultureInfo.InvariantCulture)));

    public static bool TryRead(string cursor, out int offset)
    {
        offset = 0;
        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            return text.StartsWith(Prefix, StringComparison.Ordinal)
                && int.TryParse(text[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out offset);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
