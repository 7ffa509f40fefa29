using Rancher.Cloud.Functions;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Rancher.Cloud.SelfHost;

/// <summary>
/// Calls a function method the way the Functions worker would: a new instance of its class
/// from DI per invocation, parameters bound from the trigger, the returned task awaited.
/// </summary>
public static class FunctionInvoker
{
    /// <summary>What a trigger offers for binding: the HTTP request, a queue message, a timer tick.</summary>
    public sealed record Binding(HttpContext? Http = null, string? Message = null, TimerInfo? Timer = null);

    public static async Task<object?> InvokeAsync(IServiceProvider services, MethodInfo method, Binding binding, CancellationToken ct)
    {
        var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, method.DeclaringType!);
        var args = method.GetParameters().Select(p => Bind(p, binding, ct)).ToArray();
        var returned = method.Invoke(target, args);
        switch (returned)
        {
            case Task task:
                await task;
                var resultProperty = task.GetType().GetProperty("Result");
                return resultProperty is not null && task.GetType().IsGenericType ? resultProperty.GetValue(task) : null;
            default:
                return returned;
        }
    }

    /// <summary>Fails at startup, not at first call, when a function asks for something this host cannot bind.</summary>
    public static void CheckBindable(FunctionEntry function)
    {
        foreach (var parameter in function.Method.GetParameters())
        {
            var type = parameter.ParameterType;
            var ok = type == typeof(HttpRequest) || type == typeof(CancellationToken) || type == typeof(TimerInfo)
                || (type == typeof(string) && (function.Trigger is HttpRoute || parameter.GetCustomAttribute<QueueTriggerAttribute>() is not null));
            if (!ok)
            {
                throw new InvalidOperationException(
                    $"Function {function.Name}: parameter '{parameter.Name}' of type {type.Name} cannot be bound by the self-host.");
            }
        }
    }

    private static object? Bind(ParameterInfo parameter, Binding binding, CancellationToken ct)
    {
        var type = parameter.ParameterType;
        if (type == typeof(CancellationToken))
        {
            return ct;
        }
        if (type == typeof(HttpRequest))
        {
            return binding.Http!.Request;
        }
        if (type == typeof(TimerInfo))
        {
            return binding.Timer ?? new TimerInfo();
        }
        if (parameter.GetCustomAttribute<QueueTriggerAttribute>() is not null)
        {
            return binding.Message;
        }
        // Route parameters bind by name, as in the Functions worker.
        return binding.Http?.Request.RouteValues[parameter.Name!]?.ToString();
    }
}
