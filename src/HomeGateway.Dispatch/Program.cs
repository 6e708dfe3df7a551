using HomeGateway.Dispatch.Cli;

return await DispatchCommandLine.InvokeAsync(args, Console.Out, Console.Error);
