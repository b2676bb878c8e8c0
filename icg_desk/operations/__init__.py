"""The steps a person takes, between the faces (windows, command line) and the storage.

Each coordinator step (`operations.cohort`) and each scorer's export (`operations.batch_ops`) is a
function of plain data: paths, ids, options and a `progress(done, total) -> keep_going`
callback. It opens its own file on the calling thread (so it may run on a worker), takes or
checks the file's lock, and closes the file before it returns plain frozen values with the
`Changes` it made. Problems the person can act on are `UserError`s; anything else is a bug.
"""
