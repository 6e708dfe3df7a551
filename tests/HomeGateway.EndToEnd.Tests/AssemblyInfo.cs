// The end-to-end tests start whole deployments (dispatch, gateway, several threads each): one at a time keeps
// a 2-core CI machine from starving them, which would test the machine rather than the product.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
