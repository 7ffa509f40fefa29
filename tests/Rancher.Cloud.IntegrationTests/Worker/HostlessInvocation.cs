using System.Collections.Immutable;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Invocation;

namespace Rancher.Cloud.IntegrationTests.Worker;

/// <summary>
/// An invocation as the Azure Functions host would hand one to the worker over gRPC — which cannot
/// run here (no Functions host) — built by hand so the worker's own middleware pipeline can run it.
/// The bindings feature the worker reads is internal to it, so it is proxied by its name.
/// </summary>
internal sealed class HostlessFunctionContext : FunctionContext
{
    private static readonly Assembly Core = typeof(FunctionContext).Assembly;

    /// <summary>Microsoft.Azure.Functions.Worker.Context.Features.IFunctionBindingsFeature, internal to the worker.</summary>
    private static readonly Type BindingsFeature = Core.GetType("Microsoft.Azure.Functions.Worker.Context.Features.IFunctionBindingsFeature", throwOnError: true)!;

    public HostlessFunctionContext(MethodInfo function, IReadOnlyDictionary<string, object?> bindingData, IServiceProvider services, IFunctionExecutor executor)
    {
        FunctionDefinition = new HostlessFunctionDefinition(function);
        BindingContext = new HostlessBindingContext(bindingData);
        InstanceServices = services;
        var features = new HostlessFeatures();
        var bindings = DispatchProxy.Create(BindingsFeature, typeof(HostlessBindingsProxy));
        ((HostlessBindingsProxy)bindings).TriggerMetadata = bindingData;
        features.Set(BindingsFeature, bindings);
        features.Set<IFunctionExecutor>(executor);
        Features = features;
    }

    public override string InvocationId { get; } = Guid.NewGuid().ToString("N");

    public override string FunctionId => FunctionDefinition.Id;

    public override TraceContext TraceContext { get; } = new HostlessTraceContext();

    public override BindingContext BindingContext { get; }

    public override RetryContext RetryContext => null!;

    public override IServiceProvider InstanceServices { get; set; }

    public override FunctionDefinition FunctionDefinition { get; }

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features { get; }

    private sealed class HostlessTraceContext : TraceContext
    {
        public override string TraceParent => "";

        public override string TraceState => "";
    }

    private sealed class HostlessBindingContext(IReadOnlyDictionary<string, object?> data) : BindingContext
    {
        public override IReadOnlyDictionary<string, object?> BindingData { get; } = data;
    }

    /// <summary>The function as the worker knows it: its entry point names the real method (the gate reads its access rule there); no HTTP binding, so the HTTP proxy passes it by.</summary>
    private sealed class HostlessFunctionDefinition(MethodInfo function) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters => [];

        public override string PathToAssembly => function.DeclaringType!.Assembly.Location;

        public override string EntryPoint => $"{function.DeclaringType!.FullName}.{function.Name}";

        public override string Id { get; } = Guid.NewGuid().ToString("N");

        public override string Name => function.Name;

        public override IImmutableDictionary<string, BindingMetadata> InputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;

        public override IImmutableDictionary<string, BindingMetadata> OutputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
    }

    private sealed class HostlessFeatures : IInvocationFeatures
    {
        private readonly Dictionary<Type, object> features = [];

        public void Set(Type type, object feature) => features[type] = feature;

        public void Set<T>(T instance) => features[typeof(T)] = instance!;

        public T? Get<T>() => features.TryGetValue(typeof(T), out var feature) ? (T)feature : default;

        public IEnumerator<KeyValuePair<Type, object>> GetEnumerator() => features.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

/// <summary>The worker's internal bindings feature: the trigger's binding data in, the invocation's result out.</summary>
public class HostlessBindingsProxy : DispatchProxy
{
    private static readonly object EmptyOutputs = typeof(FunctionContext).Assembly
        .GetType("Microsoft.Azure.Functions.Worker.OutputBindings.EmptyOutputBindingsInfo", throwOnError: true)!
        .GetProperty("Instance", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;

    internal IReadOnlyDictionary<string, object?> TriggerMetadata { get; set; } = new Dictionary<string, object?>();

    public object? InvocationResult { get; private set; }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
    {
        "get_TriggerMetadata" => TriggerMetadata,
        "get_InputData" => new Dictionary<string, object?>(),
        "get_OutputBindingData" => new Dictionary<string, object?>(),
        "get_OutputBindingsInfo" => EmptyOutputs,
        "get_InvocationResult" => InvocationResult,
        "set_InvocationResult" => InvocationResult = args![0],
        _ => throw new NotSupportedException($"{targetMethod?.Name} is not part of what this test's invocations use"),
    };
}
