using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Rancher.Cloud.ControlPlane.Http;

/// <summary>Paging parameters of list routes: <c>?limit=</c> and the opaque <c>?cursor=</c> a page hands out.</summary>
public static class ApiQuery
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    /// <summary>The limit asked for; 0 when it is not a number, so range checks refuse it.</summary>
    public static int? Limit(HttpRequest request) =>
        request.Query["limit"].ToString() is { Length: > 0 } text
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0
            : null;

    /// <summary>
    /// A yes/no query parameter: absent is no, and given bare (<c>?dryRun</c>) yes, as a reader of
    /// the URL would take it; anything but <c>true</c> or <c>false</c> is refused, naming it.
    /// </summary>
    public static Domain.Errors.Outcome<bool> Flag(HttpRequest request, string name) =>
        !request.Query.TryGetValue(name, out var given) ? false
        : given.Count != 1 ? Domain.Errors.Failure.Invalid(name, "is given once")
        : given.ToString() switch
        {
            "false" => false,
            "" or "true" => true,
            _ => Domain.Errors.Failure.Invalid(name, "is true or false"),
        };

    public static string? Cursor(HttpRequest request) =>
        request.Query["cursor"].ToString() is { Length: > 0 } cursor ? cursor : null;
}
