"""Ingest adapters: one class per source, each yielding canonical FaceRecords.

=================  ==========================================  ===================
source name        adapter                                     what it reads
=================  ==========================================  ===================
fer2013            :class:`datasets.fer2013.FER2013CSV`        fer2013.csv(.gz/.tar.gz)
fer2013-images     :class:`datasets.fer2013.FER2013Folders`    train/<class>/*.jpg
ferplus-png        :class:`datasets.ferplus.FERPlusFolders`    FER2013Train/*.png + label.csv
rafdb              :class:`datasets.rafdb.RAFDB`               EmoLabel/ + Image/aligned/
ckplus             :class:`datasets.ckplus.CKPlus`             cohn-kanade-images/ + Emotion/
ckplus48           :class:`datasets.ckplus.CKPlus48`           <class>/S###_###_#.png
affectnet          :class:`datasets.affectnet.AffectNet`       Manually_Annotated_file_lists/ + _Images/
affectnet          :class:`datasets.affectnet.AffectNetCropped` train_set/images + annotations/*.npy
jaffe              :class:`datasets.jaffe.JAFFE`               KA.AN1.39.tiff
captures           :class:`datasets.captures.Captures`         <session>/<label>/<image>
=================  ==========================================  ===================

Each adapter is also a FiftyOne importer: see :mod:`datasets.importers`.
"""
